using Npgsql;

namespace SocialCare.Api.Infrastructure.Caching;

/// <summary>
/// Tells every hub instance that cached rows changed. Triggers on the cached tables NOTIFY <see cref="Channel"/> with the
/// cache's scope in the changing transaction (so only a committed change is announced; migration 0010); each instance
/// LISTENs on a dedicated connection and empties that cache. While the LISTEN connection is down, caches are bypassed
/// (<see cref="IsListening"/>), and after it comes back every cache starts empty: a change announced meanwhile cannot
/// be missed.
/// </summary>
public sealed partial class CacheInvalidation(Database.SessionConnections sessions, ILogger<CacheInvalidation> logger) : BackgroundService
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

    /// <summary>Empties this instance's caches of <paramref name="scope"/> now (the writer's own instance need not wait for the notification).</summary>
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await sessions.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => Clear(e.Payload);
                await using (var listen = new NpgsqlCommand($"listen {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                Clear(null);
                _listening = true;
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException e)
            {
                LogListenFailed(logger, e);
                await Task.Delay(1000, stoppingToken);
            }
            finally
            {
                _listening = false;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the LISTEN connection for cache invalidation; caches are bypassed until it is back")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
