using Npgsql;

namespace SocialCare.Api.Infrastructure.Relay;

/// <summary>
/// Every instance LISTENs for the leader's "sequenced" notification and wakes whoever waits here
/// (Server-Sent Events tails), so a tail on any instance sees new events within milliseconds.
/// </summary>
public sealed partial class SequencedSignal(Database.SessionConnections sessions, ILogger<SequencedSignal> logger) : BackgroundService
{
    private TaskCompletionSource _next = NewSource();

    /// <summary>Completes when new events are sequenced, or after <paramref name="timeout"/>.</summary>
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await sessions.OpenAsync(stoppingToken);
                connection.Notification += (_, _) => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();
                await using (var listen = new NpgsqlCommand($"listen {EventSequencer.SequencedChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

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
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the LISTEN connection for sequenced events; reconnecting")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
