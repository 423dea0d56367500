using Npgsql;

namespace SocialCare.Api.Webhooks.Scheduling;

/// <summary>
/// This hub instance, as the deliveries it leases name it (<c>webhook_deliveries.leased_by</c>), and its heartbeat in
/// <c>hub_instances</c> every <see cref="Heartbeat"/>. Every instance also looks for instances whose heartbeat is older
/// than <see cref="Timeout"/> — killed, or their host gone — and releases their deliveries, which another instance then
/// leases at once, instead of waiting for their leases to run out (an attempt's timeout plus the two minutes a
/// delivery may be held for a slot). An instance that only paused that long loses its leases too: its deliveries may be
/// sent twice, which webhooks allow (the receiver dedupes on <c>webhook-id</c>), and its outcome is not recorded over
/// the new lease's. An instance releases others' deliveries only once its own heartbeat has been written for
/// <see cref="Timeout"/> without a break: after PostgreSQL was away, every instance's heartbeat is old, and the first
/// one back must give the others the time to beat again rather than take their deliveries.
/// </summary>
internal sealed partial class InstanceLeases(NpgsqlDataSource dataSource, ILogger<InstanceLeases> logger)
    : BackgroundService
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>This instance's id.</summary>
    public Guid Id { get; } = Guid.CreateVersion7();

    /// <summary>When this instance's heartbeats began to succeed without a break (a <see cref="System.Diagnostics.Stopwatch"/>
    /// timestamp); null after a failed one.</summary>
    private long? _beatingSince;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Heartbeat);
        do
        {
            try
            {
                await BeatAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                _beatingSince = null;
                LogHeartbeatFailed(logger, e);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task BeatAsync(CancellationToken ct)
    {
        var release = _beatingSince is { } since && System.Diagnostics.Stopwatch.GetElapsedTime(since) >= Timeout;
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(
            new NpgsqlBatchCommand(
                """
                insert into hub_instances (id, host) values ($1, $2)
                on conflict (id) do update set heartbeat_at = now()
                """
            )
            {
                Parameters =
                {
                    new NpgsqlParameter { Value = Id },
                    new NpgsqlParameter { Value = $"{Environment.MachineName}:{Environment.ProcessId}" },
                },
            }
        );
        if (!release)
        {
            await batch.ExecuteNonQueryAsync(ct);
            _beatingSince ??= System.Diagnostics.Stopwatch.GetTimestamp();
            return;
        }

        batch.BatchCommands.Add(
            new NpgsqlBatchCommand(
                """
                with gone as (delete from hub_instances where heartbeat_at < now() - $1 returning id)
                update webhook_deliveries d set next_attempt_at = now(), leased_by = null
                from gone where d.leased_by = gone.id and d.status = 'pending'
                """
            )
            {
                Parameters = { new NpgsqlParameter { Value = Timeout } },
            }
        );
        await batch.ExecuteNonQueryAsync(ct);
        // The release's own count: the reader's would add the heartbeat's row.
        if (batch.BatchCommands[1].RecordsAffected > 0)
        {
            LogReleased(logger, batch.BatchCommands[1].RecordsAffected);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write this instance's heartbeat; trying again")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception exception);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Released {Count} deliveries leased by hub instances that stopped beating"
    )]
    private static partial void LogReleased(ILogger logger, int count);
}
