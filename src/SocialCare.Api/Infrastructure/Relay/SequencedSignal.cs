namespace SocialCare.Api.Infrastructure.Relay;

/// <summary>
/// Every instance LISTENs for the notification writers send as they commit events (<see cref="EventStore.EventStore.CommittedChannel"/>) and
/// wakes whoever waits here (Server-Sent Events tails), so a tail on any instance sees new events within milliseconds.
/// </summary>
public sealed partial class SequencedSignal(Database.SessionConnections sessions, ILogger<SequencedSignal> logger) : BackgroundService
{
    private TaskCompletionSource _next = NewSource();

    /// <summary>Completes when new events are committed, or after <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await Volatile.Read(ref _next).Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Nothing new: the caller re-checks anyway (and sends a heartbeat).
        }
    }

    // A (re)connected listener may have missed notifications: waking the waiters makes them look again.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Database.NotificationListener.RunAsync(sessions, EventStore.EventStore.CommittedChannel, _ => Wake(), listening =>
        {
            if (listening)
            {
                Wake();
            }
        }, e => LogListenFailed(logger, e), stoppingToken);

    private void Wake() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the LISTEN connection for committed events; reconnecting")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
