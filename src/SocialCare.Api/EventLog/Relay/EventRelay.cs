using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;
using SocialCare.Api.Infrastructure.Telemetry;

namespace SocialCare.Api.EventLog.Relay;

/// <summary>
/// The transactional outbox relay: the events table is the outbox. One hub instance leads (it holds a PostgreSQL
/// advisory lock on its own connection; if it dies, the lock goes with the connection and another instance takes over).
/// Events are numbered in commit order as they are written (see
/// <see cref="EventWriter"/>), so the leader reads what follows its checkpoint, publishes it in order
/// through MassTransit with publisher confirms (event id = message id, the type and ids in <see cref="BusHeaders"/>),
/// and only then moves its checkpoint.
/// At least once: after a crash between confirm and checkpoint, the tail is published again.
/// </summary>
internal sealed partial class EventRelay(
    Infrastructure.Database.SessionConnections sessions,
    IBus bus,
    Infrastructure.Messaging.BusReadiness busReadiness,
    Infrastructure.Messaging.BrokerRecovery broker,
    IOptions<RelayOptions> options,
    HubMetrics metrics,
    ILogger<EventRelay> logger
) : BackgroundService
{
    public const string Follower = "rabbitmq";
    private const long LeaderLockKey = 0x5C_4B_00_02;

    /// <summary>Records the relay's checkpoint: ($1 = follower, $2 = the last sequence confirmed by the
    /// broker).</summary>
    private const string SaveCheckpoint = """
        insert into mt_event_progression (name, last_seq_id, last_updated) values ($1, $2, now())
        on conflict (name) do update set last_seq_id = excluded.last_seq_id, last_updated = excluded.last_updated
        """;
    private readonly RelayOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        // Published before this hub's own queues are bound, an event would reach none of them (see BusReadiness).
        await busReadiness.Ready.WaitAsync(stoppingToken);

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
                metrics.RelayLeading(true);
                try
                {
                    await LeadAsync(connection, stoppingToken);
                }
                finally
                {
                    metrics.RelayLeading(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
                when (e
                        is NpgsqlException
                            or MassTransitException
                            or TimeoutException
                            or InvalidOperationException
                            or OperationCanceledException
                )
            {
                // The broker or the database went away: nothing was checkpointed past what was confirmed. Try to lead
                // again, as a follower does; whichever instance gets the lock first resumes from the checkpoint.
                LogRelayFailed(logger, e);
                await Task.Delay(_options.LeaderRetryMs, stoppingToken);
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
        // Publishes still on their way when this instance stops leading (its connection broke, the broker went away)
        // are given up with it: the next leader publishes from the checkpoint, in order.
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        try
        {
            await PublishFromCheckpointAsync(connection, leading.Token, stoppingToken);
        }
        finally
        {
            await leading.CancelAsync();
        }
    }

    private async Task PublishFromCheckpointAsync(
        NpgsqlConnection connection,
        CancellationToken leading,
        CancellationToken stoppingToken
    )
    {
        await using (var listen = new NpgsqlCommand($"listen {EventLog.EventStore.CommittedChannel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }

        // Handed to the bus: everything up to `handedOver`. The newest batch's confirms may still be travelling while
        // the next one is read and handed over (the bus channel keeps the order); a batch's last sequence is saved as
        // the checkpoint once every one of its confirms has arrived, in the next round trip (or before idling).
        var handedOver = await ReadCheckpointAsync(connection, stoppingToken);
        Batch? unconfirmed = null;
        long? confirmed = null;
        // A wake-up can arrive while a read is running (Npgsql takes it in with the read's results): it is noted here,
        // so that the relay reads again instead of waiting for the next one.
        var woken = 0;
        connection.Notification += (_, _) => Volatile.Write(ref woken, 1);
        while (!stoppingToken.IsCancellationRequested)
        {
            Volatile.Write(ref woken, 0);
            var events = await ReadAsync(connection, handedOver, confirmed, stoppingToken);
            confirmed = null;
            var next = await PublishAsync(connection, events, leading);
            if (unconfirmed is { } previous)
            {
                await previous.Confirms;
                confirmed = previous.Last;
                unconfirmed = null;
            }

            if (events.Count > 0)
            {
                handedOver = events[^1].Seq;
                unconfirmed = next;
                continue;
            }

            if (confirmed is { } last)
            {
                await SaveCheckpointAsync(connection, last, stoppingToken);
                confirmed = null;
            }

            // Events are numbered in commit order, so nothing can appear below what was read: wait for the next
            // commit's wake-up (unless one came during the read), with the poll as the safety net.
            if (Volatile.Read(ref woken) == 0)
            {
                await connection.WaitAsync(_options.PollIntervalMs, stoppingToken);
            }
        }
    }

    /// <summary>
    /// One round trip: reads up to a batch of events after <paramref name="after"/> and, when given, records
    /// <paramref name="confirmed"/> as the relay's checkpoint.
    /// </summary>
    private async Task<List<Row>> ReadAsync(
        NpgsqlConnection connection,
        long after,
        long? confirmed,
        CancellationToken cancellationToken
    )
    {
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(
                    "select seq_id, id, type, data::text, headers->>'traceparent', headers->>'tracestate' from mt_events "
                        + "where seq_id > $1 order by seq_id limit $2"
                )
                {
                    Parameters =
                    {
                        new NpgsqlParameter { Value = after },
                        new NpgsqlParameter { Value = _options.BatchSize },
                    },
                },
            },
        };
        if (confirmed is { } last)
        {
            batch.BatchCommands.Add(
                new NpgsqlBatchCommand(SaveCheckpoint)
                {
                    Parameters =
                    {
                        new NpgsqlParameter { Value = Follower },
                        new NpgsqlParameter { Value = last },
                    },
                }
            );
        }

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var events = new List<Row>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(
                new Row(
                    reader.GetInt64(0),
                    reader.GetGuid(1),
                    reader.GetString(2),
                    reader.GetString(3),
                    EventTrace.From(
                        reader.IsDBNull(4) ? null : reader.GetString(4),
                        reader.IsDBNull(5) ? null : reader.GetString(5)
                    )
                )
            );
        }

        return events;
    }

    /// <summary>An event as the relay reads it: its number, id, type, body and the trace it was appended in.</summary>
    private sealed record Row(long Seq, Guid Id, string Type, string Data, EventTrace? Trace);

    /// <summary>Events handed to the bus: the last one's sequence, and the task that completes when all are
    /// confirmed.</summary>
    private sealed record Batch(long Last, Task Confirms);

    /// <summary>Starts publishing <paramref name="events"/>, in sequence order; an event that cannot be read is
    /// dead-lettered.</summary>
    private async Task<Batch> PublishAsync(
        NpgsqlConnection connection,
        List<Row> events,
        CancellationToken cancellationToken
    )
    {
        if (events.Count == 0)
        {
            return new Batch(0, Task.CompletedTask);
        }

        // Publishes start in sequence order on the bus's channel; all must be confirmed before the checkpoint moves,
        // unless the watch gives them up (see ConfirmWatch).
        var confirms = new List<Task>(events.Count);
        var watch = new ConfirmWatch(_options, broker, logger, cancellationToken);
        foreach (var row in events)
        {
            SocialCare.Contracts.HubEvent message;
            try
            {
                message = EventTypeRegistry.Deserialize(row.Type, row.Data) with { Sequence = row.Seq };
            }
            catch (Exception e)
                when (e is System.Text.Json.JsonException or InvalidOperationException or NotSupportedException)
            {
                await DeadLetterAsync(connection, row.Id, row.Seq, e, cancellationToken);
                continue;
            }

            // The relay's span joins the trace the event was appended in; MassTransit's publish span, its child,
            // carries it to the consumers (MT-Activity-Id), and cloudEvents_traceparent carries the event's own.
            var previous = Activity.Current;
            var activity = HubTracing.Start("relay " + row.Type, ActivityKind.Internal, row.Trace);
            activity
                ?.SetTag("socialcare.event.id", row.Id)
                .SetTag("socialcare.event.type", row.Type)
                .SetTag("socialcare.event.sequence", row.Seq)
                .SetTag("socialcare.workspace.id", message.WorkspaceId);
            var published = PublishAsync(bus, message, row.Type, row.Trace, watch.Token);
            Activity.Current = previous;
            confirms.Add(ConfirmedAsync(published, activity, watch));
        }

        return new Batch(events[^1].Seq, DisposeAfterAsync(Task.WhenAll(confirms), watch));
    }

    /// <summary>Publishes one event as the relay does: its id as the message id, its routing key on the topic exchange,
    /// its headers (<see cref="BusHeaders"/>) and the trace it was appended in.</summary>
    internal static Task PublishAsync(
        IBus bus,
        SocialCare.Contracts.HubEvent message,
        string type,
        EventTrace? trace,
        CancellationToken cancellationToken
    ) =>
        bus.Publish(
            message,
            message.GetType(),
            context =>
            {
                context.MessageId = message.EventId;
                context.TrySetRoutingKey(BusHeaders.RoutingKeyOf(message, type));
                BusHeaders.Apply(context, message, type, trace);
            },
            cancellationToken
        );

    private static async Task DisposeAfterAsync(Task confirms, ConfirmWatch watch)
    {
        try
        {
            await confirms;
        }
        finally
        {
            watch.Dispose();
        }
    }

    /// <summary>Waits for the broker's confirm of one publish, then counts it, tells the watch and ends its
    /// span.</summary>
    private async Task ConfirmedAsync(Task published, Activity? activity, ConfirmWatch watch)
    {
        try
        {
            await published;
            metrics.EventsPublished.Add(1);
            watch.Confirmed();
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            throw;
        }
        finally
        {
            activity?.Dispose();
        }
    }

    private static async Task SaveCheckpointAsync(
        NpgsqlConnection connection,
        long last,
        CancellationToken cancellationToken
    )
    {
        await using var save = new NpgsqlCommand(SaveCheckpoint, connection);
        save.Parameters.Add(new NpgsqlParameter { Value = Follower });
        save.Parameters.Add(new NpgsqlParameter { Value = last });
        await save.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task DeadLetterAsync(
        NpgsqlConnection connection,
        Guid eventId,
        long seq,
        Exception error,
        CancellationToken cancellationToken
    )
    {
        LogDeadLetter(logger, eventId, seq, error);
        await using var command = new NpgsqlCommand(DeadLetters.DeadLetterStore.RecordUnreadableEvent, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Follower });
        command.Parameters.Add(new NpgsqlParameter { Value = seq });
        command.Parameters.Add(new NpgsqlParameter { Value = error.Message });
        command.Parameters.Add(new NpgsqlParameter { Value = Guid.CreateVersion7() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<long> ReadCheckpointAsync(
        NpgsqlConnection connection,
        CancellationToken cancellationToken
    )
    {
        await using var command = new NpgsqlCommand(
            "select last_seq_id from mt_event_progression where name = $1",
            connection
        );
        command.Parameters.Add(new NpgsqlParameter { Value = Follower });
        return await command.ExecuteScalarAsync(cancellationToken) is long seq ? seq : 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "This instance now leads the event relay")]
    private static partial void LogLeading(ILogger logger);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Event relay interrupted; it resumes from its last confirmed checkpoint"
    )]
    private static partial void LogRelayFailed(ILogger logger, Exception exception);

    [LoggerMessage(
        Level = LogLevel.Error,
        Message = "Event {EventId} (seq {Seq}) cannot be published and was dead-lettered"
    )]
    private static partial void LogDeadLetter(ILogger logger, Guid eventId, long seq, Exception exception);
}
