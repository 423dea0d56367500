using Npgsql;
using SocialCare.Contracts;

namespace SocialCare.Api.EventLog;

/// <summary>A batch of events after a follower's checkpoint: the events that could be read, whether more wait, and
/// how far the checkpoint moves once they are done with.</summary>
public sealed record FollowedBatch(long Checkpoint, IReadOnlyList<HubEvent> Events, bool More, long Reached);

/// <summary>
/// What the hub's own followers of the event log share (the workflow processor, the reports): each reads the log in
/// commit order from a checkpoint of its own (<c>mt_event_progression</c>), locked for its transaction (<c>for update
/// skip locked</c>, so that one instance at a time works and the others look again later), and moves the checkpoint in
/// the transaction that commits what it did with the events: each event's effects happen exactly once, even across a
/// crash. An event that cannot be read is set aside in <c>dead_letters</c>, as the relay does, not retried for
/// ever.
/// </summary>
public static partial class LogFollower
{
    /// <summary>Creates the follower's checkpoint unless it exists: at the head of the log (effects apply from now on)
    /// or at its start (a projection of the whole history).</summary>
    public static void Start(EventWriter writer, string follower, bool atHead) =>
        writer.Execute(
            atHead
                ? """
                insert into mt_event_progression (name, last_seq_id, last_updated)
                values ($1, (select coalesce(max(seq_id), 0) from mt_events), now()) on conflict do nothing
                """
                : """
                insert into mt_event_progression (name, last_seq_id, last_updated) values ($1, 0, now())
                on conflict do nothing
                """,
            follower
        );

    /// <summary>The follower's checkpoint, its row locked for the transaction; none when another instance holds
    /// it.</summary>
    public static async Task<long?> CheckpointAsync(EventWriter writer, string follower, CancellationToken ct) =>
        (
            await writer.QueryAsync(
                "select last_seq_id from mt_event_progression where name = $1 for update skip locked",
                r => (long?)r.GetInt64(0),
                ct,
                follower
            )
        ).FirstOrDefault();

    /// <summary>Up to <paramref name="batchSize"/> events of <paramref name="types"/> after the checkpoint, locked as
    /// <see cref="CheckpointAsync"/> does; null when another instance holds the follower.</summary>
    public static async Task<FollowedBatch?> ReadAsync(
        EventWriter writer,
        string follower,
        string[] types,
        int batchSize,
        ILogger logger,
        CancellationToken ct
    )
    {
        if (await CheckpointAsync(writer, follower, ct) is not { } checkpoint)
        {
            return null;
        }

        var events = new List<HubEvent>();
        await RedrivenAsync(writer, follower, events, logger, ct);
        var rows = await writer.QueryAsync(
            """
            with head as (select coalesce(max(seq_id), 0) as seq from mt_events)
            select head.seq, e.seq_id, e.id, e.type, e.data::text from head
            left join lateral (select seq_id, id, type, data from mt_events where seq_id > $1 and seq_id <= head.seq
                and type = any($2) order by seq_id limit $3) e on true
            order by e.seq_id
            """,
            r =>
                (
                    Head: r.GetInt64(0),
                    Seq: r.IsDBNull(1) ? 0 : r.GetInt64(1),
                    Id: r.IsDBNull(2) ? Guid.Empty : r.GetGuid(2),
                    Type: r.IsDBNull(3) ? null : r.GetString(3),
                    Data: r.IsDBNull(4) ? null : r.GetString(4)
                ),
            ct,
            checkpoint,
            types,
            batchSize
        );
        foreach (var row in rows.Where(r => r.Type is not null))
        {
            if (Read(writer, follower, row.Id, row.Seq, row.Type!, row.Data!, logger) is { } e)
            {
                events.Add(e);
            }
        }

        var more = rows.Count(r => r.Type is not null) == batchSize;
        return new FollowedBatch(checkpoint, events, more, more ? rows[^1].Seq : rows[0].Head);
    }

    /// <summary>
    /// Events an operator asked this follower to read again (a dead letter's redrive, <see
    /// cref="DeadLetters.DeadLetterStore.RequestRedriveAsync"/>), taken in this pass's transaction and handled before
    /// its batch, out of order: a dead letter it can read now is marked redriven; one it still cannot read waits again
    /// with the new error.
    /// </summary>
    private static async Task RedrivenAsync(
        EventWriter writer,
        string follower,
        List<HubEvent> events,
        ILogger logger,
        CancellationToken ct
    )
    {
        var redriven = await writer.QueryAsync(
            """
            with taken as (delete from event_redrives where follower = $1 returning event_id)
            select e.seq_id, e.id, e.type, e.data::text from taken join mt_events e on e.id = taken.event_id
            order by e.seq_id
            """,
            r => (Seq: r.GetInt64(0), Id: r.GetGuid(1), Type: r.GetString(2), Data: r.GetString(3)),
            ct,
            follower
        );
        foreach (var row in redriven)
        {
            if (Read(writer, follower, row.Id, row.Seq, row.Type, row.Data, logger) is { } e)
            {
                events.Add(e);
                writer.Execute(
                    "update dead_letters set redriven_at = now(), redrives = redrives + 1 where fingerprint = $1",
                    $"{row.Id}:{follower}"
                );
            }
        }
    }

    /// <summary>The event, or none when it cannot be read: then it is set aside as a dead letter.</summary>
    private static HubEvent? Read(
        EventWriter writer,
        string follower,
        Guid id,
        long seq,
        string type,
        string data,
        ILogger logger
    )
    {
        try
        {
            return EventTypeRegistry.Deserialize(type, data) with { Sequence = seq };
        }
        catch (Exception e)
            when (e is System.Text.Json.JsonException or InvalidOperationException or NotSupportedException)
        {
            LogDeadLetter(logger, follower, id, seq, e);
            writer.Execute(
                DeadLetters.DeadLetterStore.RecordUnreadableEvent,
                follower,
                seq,
                e.Message,
                Guid.CreateVersion7()
            );
            return null;
        }
    }

    /// <summary>The channel a follower's checkpoint moves are announced on, as <c>&lt;follower&gt;:&lt;sequence&gt;</c>
    /// when they commit: whoever waits for a follower to catch up (an operator's script, the benchmark) listens
    /// instead of polling.</summary>
    public const string AdvancedChannel = "socialcare_followers";

    /// <summary>Moves the checkpoint past a batch, in the transaction that commits its effects, and announces
    /// it.</summary>
    public static void Advance(EventWriter writer, string follower, FollowedBatch batch)
    {
        if (batch.Reached > batch.Checkpoint)
        {
            writer.Execute(
                "update mt_event_progression set last_seq_id = $2, last_updated = now() where name = $1",
                follower,
                batch.Reached
            );
            writer.Execute($"select pg_notify('{AdvancedChannel}', $1 || ':' || $2::text)", follower, batch.Reached);
        }
    }

    [LoggerMessage(
        Level = LogLevel.Error,
        Message = "Event {EventId} (seq {Seq}) cannot be read by the {Follower} follower and was dead-lettered"
    )]
    private static partial void LogDeadLetter(ILogger logger, string follower, Guid eventId, long seq, Exception e);
}

/// <summary>
/// A hub process that follows the event log in passes (<see cref="LogFollower"/>): it runs a pass, runs the next at
/// once while more events wait, and otherwise sleeps until the next commit (<see cref="SequencedSignal"/>), the time
/// the pass asked to be woken at, or the poll interval, whichever comes first. A pass that fails on the database is
/// retried from the checkpoint after the poll interval; one that faults in the hub's own code after ten, so that the
/// follower stalls (and says so in the log) rather than skip an event, and never stops the host.
/// </summary>
public abstract partial class LogFollowerService(SequencedSignal signal, TimeProvider clock, ILogger logger)
    : BackgroundService
{
    /// <summary>What a pass found: whether more events wait, and when the follower wants to be woken at the
    /// latest.</summary>
    protected sealed record FollowerPass(bool More, DateTimeOffset? WakeAt = null);

    protected TimeProvider Clock => clock;

    protected ILogger Logger => logger;

    /// <summary>The follower's name, as its checkpoint and the log call it.</summary>
    protected abstract string Name { get; }

    /// <summary>Whether this instance takes part.</summary>
    protected abstract bool Enabled { get; }

    protected abstract TimeSpan PollInterval { get; }

    /// <summary>How long at least between passes that found the follower caught up: a follower that may lag a little
    /// takes the commits of that time in one pass instead of one pass per commit.</summary>
    protected virtual TimeSpan Coalesce => TimeSpan.Zero;

    protected abstract Task<FollowerPass> PassAsync(CancellationToken ct);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        var poll = PollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            // Asked before the pass reads: a commit during the pass still wakes the next wait.
            var committed = signal.NextAny();
            FollowerPass pass;
            try
            {
                pass = await PassAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or ConcurrencyException or TimeoutException)
            {
                // Nothing of the pass was committed: the next one starts again from the checkpoint.
                LogPassFailed(logger, Name, e);
                await Task.Delay(poll, clock, stoppingToken);
                continue;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPassFault(logger, Name, e);
                await Task.Delay(poll * 10, clock, stoppingToken);
                continue;
            }

            if (pass.More)
            {
                continue;
            }

            var wait = pass.WakeAt is { } at ? at - clock.GetUtcNow() : poll;
            if (wait <= TimeSpan.Zero)
            {
                continue;
            }

            try
            {
                if (Coalesce > TimeSpan.Zero)
                {
                    await Task.Delay(Coalesce, clock, stoppingToken);
                }

                await Task.WhenAny(committed, Task.Delay(wait < poll ? wait : poll, clock, stoppingToken));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "The {Follower} pass failed; the next resumes from its checkpoint"
    )]
    private static partial void LogPassFailed(ILogger logger, string follower, Exception exception);

    [LoggerMessage(
        Level = LogLevel.Error,
        Message = "The {Follower} pass faulted; the follower stalls until a pass succeeds"
    )]
    private static partial void LogPassFault(ILogger logger, string follower, Exception exception);
}
