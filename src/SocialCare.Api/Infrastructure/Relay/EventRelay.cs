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

        // Handed to the bus: everything up to `handedOver`. The newest batch's confirms may still be travelling while the
        // next one is sequenced, read and handed over (the bus channel keeps the order); a batch's last sequence is
        // saved as the checkpoint once every one of its confirms has arrived, in the next round trip (or before idling).
        var handedOver = await ReadCheckpointAsync(connection, stoppingToken);
        Batch? unconfirmed = null;
        long? confirmed = null;
        var idleRounds = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var round = await EventSequencer.SequenceAndReadAsync(connection, _options.BatchSize, handedOver, Follower, confirmed, stoppingToken);
            confirmed = null;
            var next = await PublishAsync(connection, round.Events, stoppingToken);
            if (unconfirmed is { } previous)
            {
                await previous.Confirms;
                confirmed = previous.Last;
                unconfirmed = null;
            }

            if (round.Events.Count > 0)
            {
                handedOver = round.Events[^1].Seq;
                unconfirmed = next;
                idleRounds = 0;
                continue;
            }

            if (round.Sequenced > 0)
            {
                idleRounds = 0;
                continue;
            }

            if (confirmed is { } last)
            {
                await SaveCheckpointAsync(connection, last, stoppingToken);
                confirmed = null;
            }

            if (round.MorePending)
            {
                // Committed events wait behind a transaction that is still running (ingestion transactions last
                // milliseconds): look again when the next commit's wake-up arrives, or soon anyway, backing off to at
                // most 8 ms so the wait never dominates latency.
                idleRounds = Math.Min(idleRounds + 1, 3);
                await connection.WaitAsync(1 << idleRounds, stoppingToken);
                continue;
            }

            idleRounds = 0;
            await connection.WaitAsync(_options.PollIntervalMs, stoppingToken);
        }
    }

    /// <summary>Events handed to the bus: the last one's sequence, and the task that completes when all are confirmed.</summary>
    private sealed record Batch(long Last, Task Confirms);

    /// <summary>Starts publishing <paramref name="events"/>, in sequence order; an event that cannot be read is dead-lettered.</summary>
    private async Task<Batch> PublishAsync(NpgsqlConnection connection, List<(long Seq, Guid Id, string Type, string Data)> events,
        CancellationToken cancellationToken)
    {
        // Publishes start in sequence order on the bus's channel; all must be confirmed before the checkpoint moves.
        var confirms = new List<Task>(events.Count);
        foreach (var row in events)
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

        return new Batch(events.Count > 0 ? events[^1].Seq : 0, Task.WhenAll(confirms));
    }

    private static async Task SaveCheckpointAsync(NpgsqlConnection connection, long last, CancellationToken cancellationToken)
    {
        await using var save = new NpgsqlCommand(EventSequencer.SaveCheckpoint, connection);
        save.Parameters.Add(new NpgsqlParameter { Value = Follower });
        save.Parameters.Add(new NpgsqlParameter { Value = last });
        await save.ExecuteNonQueryAsync(cancellationToken);
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
