using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;
using SocialCare.Api.Infrastructure.EventStore;

namespace SocialCare.Api.Infrastructure.Relay;

/// <summary>
/// The transactional outbox relay: the events table is the outbox. One hub instance leads (it holds a
/// PostgreSQL advisory lock on its own connection; if it dies, the lock goes with the connection and
/// another instance takes over). The leader sequences committed events, publishes them in order through
/// MassTransit with publisher confirms (event id = message id), and only then moves its checkpoint.
/// At least once: after a crash between confirm and checkpoint, the tail is published again.
/// </summary>
internal sealed partial class EventRelay(
    Database.SessionConnections sessions,
    IBus bus,
    IOptions<RelayOptions> options,
    ILogger<EventRelay> logger) : BackgroundService
{
    public const string Follower = "rabbitmq";
    private const long LeaderLockKey = 0x5C_4B_00_02;
    private readonly RelayOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await sessions.OpenAsync(stoppingToken);
                if (!await TryLeadAsync(connection, stoppingToken))
                {
                    await Task.Delay(_options.LeaderRetryMs, stoppingToken);
                    continue;
                }

                LogLeading(logger);
                await LeadAsync(connection, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or MassTransitException or TimeoutException or InvalidOperationException or OperationCanceledException)
            {
                // The broker or the database went away: nothing was checkpointed past what was confirmed. Retry.
                LogRelayFailed(logger, e);
                await Task.Delay(1000, stoppingToken);
            }
        }
    }

    private static async Task<bool> TryLeadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"select pg_try_advisory_lock({LeaderLockKey})", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task LeadAsync(NpgsqlConnection connection, CancellationToken stoppingToken)
    {
        await using (var listen = new NpgsqlCommand($"listen {RelayWakeup.Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }

        var checkpoint = await ReadCheckpointAsync(connection, stoppingToken);
        var idleRounds = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var (sequenced, morePending) = await EventSequencer.SequenceAsync(connection, _options.BatchSize, stoppingToken);
            if (sequenced > 0)
            {
                await using var notify = new NpgsqlCommand($"select pg_notify('{EventSequencer.SequencedChannel}', '')", connection);
                await notify.ExecuteNonQueryAsync(stoppingToken);
            }

            var published = await PublishAfterAsync(connection, checkpoint, stoppingToken);
            if (published.Count > 0 || sequenced > 0)
            {
                checkpoint = published.Count > 0 ? published.Last : checkpoint;
                idleRounds = 0;
                continue;
            }

            if (morePending)
            {
                // Committed events wait behind a transaction that is still running (ingestion transactions last
                // milliseconds): look again soon, backing off to at most 8 ms so the wait never dominates latency.
                idleRounds = Math.Min(idleRounds + 1, 3);
                await Task.Delay(1 << idleRounds, stoppingToken);
                continue;
            }

            idleRounds = 0;
            await connection.WaitAsync(_options.PollIntervalMs, stoppingToken);
        }
    }

    private async Task<(int Count, long Last)> PublishAfterAsync(NpgsqlConnection connection, long checkpoint, CancellationToken cancellationToken)
    {
        var rows = new List<(long Seq, Guid Id, string Type, string Data)>();
        await using (var command = new NpgsqlCommand("select seq, id, type, data::text from events where seq > $1 order by seq limit $2", connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = checkpoint });
            command.Parameters.Add(new NpgsqlParameter { Value = _options.BatchSize });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3)));
            }
        }

        if (rows.Count == 0)
        {
            return (0, checkpoint);
        }

        // Publishes start in sequence order on the bus's channel; all must be confirmed before the checkpoint moves.
        var confirms = new List<Task>(rows.Count);
        foreach (var row in rows)
        {
            SocialCare.Contracts.HubEvent message;
            try
            {
                message = EventTypeRegistry.Deserialize(row.Type, row.Data) with { Sequence = row.Seq };
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NotSupportedException)
            {
                await DeadLetterAsync(connection, row.Id, row.Seq, e, cancellationToken);
                continue;
            }

            confirms.Add(bus.Publish(message, message.GetType(), context => context.MessageId = row.Id, cancellationToken));
        }

        await Task.WhenAll(confirms);
        var last = rows[^1].Seq;
        await using (var save = new NpgsqlCommand("""
            insert into event_progress (name, last_seq) values ($1, $2)
            on conflict (name) do update set last_seq = excluded.last_seq, updated_at = now()
            """, connection))
        {
            save.Parameters.Add(new NpgsqlParameter { Value = Follower });
            save.Parameters.Add(new NpgsqlParameter { Value = last });
            await save.ExecuteNonQueryAsync(cancellationToken);
        }

        return (rows.Count, last);
    }

    private async Task DeadLetterAsync(NpgsqlConnection connection, Guid eventId, long seq, Exception error, CancellationToken cancellationToken)
    {
        LogDeadLetter(logger, eventId, seq, error);
        await using var command = new NpgsqlCommand(
            "insert into event_dead_letters (event_id, seq, follower, error) values ($1, $2, $3, $4) on conflict do nothing", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = eventId });
        command.Parameters.Add(new NpgsqlParameter { Value = seq });
        command.Parameters.Add(new NpgsqlParameter { Value = Follower });
        command.Parameters.Add(new NpgsqlParameter { Value = error.Message });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<long> ReadCheckpointAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select last_seq from event_progress where name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Follower });
        return await command.ExecuteScalarAsync(cancellationToken) is long seq ? seq : 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "This instance now leads the event relay")]
    private static partial void LogLeading(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event relay interrupted; it resumes from its last confirmed checkpoint")]
    private static partial void LogRelayFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Event {EventId} (seq {Seq}) cannot be published and was dead-lettered")]
    private static partial void LogDeadLetter(ILogger logger, Guid eventId, long seq, Exception exception);
}
