using Npgsql;

namespace SocialCare.Api.Infrastructure.Relay;

/// <summary>
/// Tells the relay leader (in whichever instance it runs) that events were committed. Writers call
/// <see cref="Pulse"/> after their commit; one NOTIFY per burst goes out on a connection of its own.
/// Kept out of the write transactions on purpose: PostgreSQL serialises the commits of transactions
/// that NOTIFY, which would cap ingestion. If a wake-up is lost, the relay's poll is the safety net.
/// </summary>
public sealed partial class RelayWakeup(NpgsqlDataSource dataSource, ILogger<RelayWakeup> logger) : BackgroundService
{
    public const string Channel = "socialcare_events";
    private readonly SemaphoreSlim _pending = new(0, 1);

    public void Pulse()
    {
        try
        {
            _pending.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake-up is already pending: this commit rides along with it.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _pending.WaitAsync(stoppingToken);
                await using var command = dataSource.CreateCommand($"select pg_notify('{Channel}', '')");
                await command.ExecuteNonQueryAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException e)
            {
                LogWakeupFailed(logger, e);
            }
        }
    }

    public override void Dispose()
    {
        _pending.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not wake the relay; it will find the events on its next poll")]
    private static partial void LogWakeupFailed(ILogger logger, Exception exception);
}
