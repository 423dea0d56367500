namespace SocialCare.Api.Infrastructure.Caching;

/// <summary>
/// Tells every hub instance that cached rows changed. Triggers on the cached tables NOTIFY <see cref="Channel"/> with
/// the cache's scope in the changing transaction (so only a committed change is announced; migration 0010); each
/// instance LISTENs on a dedicated connection and empties that cache. While the LISTEN connection is down, caches are
/// bypassed (<see cref="IsListening"/>), and after it comes back every cache starts empty: a change announced meanwhile
/// cannot be missed.
/// </summary>
public sealed partial class CacheInvalidation(Database.SessionConnections sessions, ILogger<CacheInvalidation> logger)
    : BackgroundService
{
    public const string Channel = "socialcare_invalidate";
    private readonly List<(string Scope, Action Clear)> _caches = [];
    private volatile bool _listening;

    public bool IsListening => _listening;

    public void Register(string scope, Action clear)
    {
        lock (_caches)
        {
            _caches.Add((scope, clear));
        }
    }

    /// <summary>Empties this instance's caches of <paramref name="scope"/> now (the writer's own instance need not wait
    /// for the notification).</summary>
    public void Clear(string? scope)
    {
        lock (_caches)
        {
            foreach (var cache in _caches.Where(c => scope is null || c.Scope == scope))
            {
                cache.Clear();
            }
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Database.NotificationListener.RunAsync(
            sessions,
            Channel,
            Clear,
            listening =>
            {
                if (listening)
                {
                    Clear(null);
                }

                _listening = listening;
            },
            e => LogListenFailed(logger, e),
            stoppingToken
        );

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Lost the LISTEN connection for cache invalidation; caches are bypassed until it is back"
    )]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
