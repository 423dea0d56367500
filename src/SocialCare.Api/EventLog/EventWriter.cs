using Npgsql;
using NpgsqlTypes;
using SocialCare.Contracts;

namespace SocialCare.Api.EventLog;

/// <summary>Events to append to one stream; <see cref="ExpectedVersion"/> as in <see cref="EventWriter.Append(Guid, string, Guid, long?, IReadOnlyList{HubEvent})"/>.</summary>
public sealed record StreamAppend(Guid StreamId, string StreamType, Guid WorkspaceId, long? ExpectedVersion, IReadOnlyList<HubEvent> Events);

/// <summary>
/// One write transaction. Writes (<see cref="Execute"/>) are queued and sent to PostgreSQL together, pipelined in one
/// round trip, when a read needs them (<see cref="QueryAsync"/>) or with the COMMIT (<see cref="CommitAsync"/>). On a
/// loaded machine round trips, not SQL, are the cost of an ingestion, so a whole ingestion is two of them, commit included.
/// Appends wait for the commit and go last: appending numbers the events from the one <c>event_sequence</c> row, which
/// stays locked until the transaction ends, so events are numbered in commit order and the lock is held only for the
/// commit itself (see migration 0017).
/// </summary>
public sealed class EventWriter(NpgsqlConnection connection, NpgsqlTransaction transaction)
{
    private const string QueryFollows = "socialcare_query_follows";
    private const string StreamConflict = "SC409";
    private NpgsqlBatch _pending = NewBatch(connection, transaction);
    private readonly List<NpgsqlBatchCommand> _appends = [];
    private readonly Dictionary<Guid, long?> _expected = [];
    private readonly HashSet<Guid> _workspaces = [];

    /// <summary>Queues a statement; it runs, in order, before the next read or the commit.</summary>
    public void Execute(string sql, params object?[] arguments) => _pending.BatchCommands.Add(Command(sql, arguments));

    /// <summary>
    /// Queues taking transaction-scoped advisory locks on <paramref name="keys"/>, in one sorted pass, so that two
    /// transactions locking overlapping keys serialise and never deadlock.
    /// </summary>
    public void Lock(IEnumerable<string> keys) => Execute("""
        select count(pg_advisory_xact_lock(h))
        from (select distinct hashtextextended(k, 0) as h from unnest($1::text[]) as k order by h) as keys
        """, (object)keys.ToArray());

    /// <summary>
    /// Queues appending <paramref name="events"/> to a stream, to be sent with the commit. With
    /// <paramref name="expectedVersion"/>, the append fails with <see cref="ConcurrencyException"/> (and the commit does
    /// not happen) unless the stream is exactly there (0 = it must not exist yet); without it, appends serialise on the
    /// stream row. The stream's version after the append is its version before plus <c>events.Count</c>.
    /// </summary>
    public void Append(Guid streamId, string streamType, Guid workspaceId, long? expectedVersion, IReadOnlyList<HubEvent> events) =>
        Append([new StreamAppend(streamId, streamType, workspaceId, expectedVersion, events)]);

    /// <summary>
    /// Queues several appends as one statement per run of distinct streams (a stream appended to twice starts a new
    /// statement, so its second append numbers on from the first). Each behaves as <see cref="Append(Guid, string, Guid, long?, IReadOnlyList{HubEvent})"/>.
    /// </summary>
    public void Append(IReadOnlyList<StreamAppend> appends)
    {
        var group = new List<StreamAppend>();
        var streams = new HashSet<Guid>();
        foreach (var append in appends)
        {
            if (append.Events.Count == 0)
            {
                throw new ArgumentException($"Nothing to append to stream {append.StreamId}.", nameof(appends));
            }

            if (!streams.Add(append.StreamId))
            {
                QueueAppend(group);
                group = [];
                streams = [append.StreamId];
            }

            group.Add(append);
        }

        if (group.Count > 0)
        {
            QueueAppend(group);
        }
    }

    private void QueueAppend(List<StreamAppend> group)
    {
        // One statement: bump each stream row (checking its expected version), take the events' global numbers, then
        // insert the events numbered from the new versions and the numbers taken. A stale version leaves that stream out
        // of the CTE (or, for a stream that did not exist, out of the join), so none of its events is inserted, and the
        // last select raises SC409 for it (migration 0018): the transaction aborts before its COMMIT, stream rows and
        // numbers too, so no gap is left.
        var events = group.SelectMany(a => a.Events.Select((e, i) => (a.StreamId, Ord: (long)i + 1, Event: e))).ToList();
        var command = Command("""
            with input as (
                select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::bigint[]) as i(id, workspace_id, type, count, expected)),
            stream as (
                insert into streams as s (id, workspace_id, type, version)
                select id, workspace_id, type, count from input
                on conflict (id) do update set version = s.version + excluded.version, updated_at = now()
                    where s.version = coalesce((select i.expected from input i where i.id = s.id), s.version)
                returning s.id, s.version),
            numbers as (update event_sequence set last_seq = last_seq + $12 returning last_seq),
            inserted as (
                insert into events (id, seq, stream_id, stream_version, workspace_id, type, data, recorded_at)
                select e.id, numbers.last_seq - $12 + e.n, e.stream_id, stream.version - i.count + e.ord, i.workspace_id, e.type, e.data, e.recorded_at
                from unnest($6::uuid[], $7::uuid[], $8::bigint[], $9::text[], $10::jsonb[], $11::timestamptz[])
                    with ordinality as e(id, stream_id, ord, type, data, recorded_at, n)
                join stream on stream.id = e.stream_id
                join input i on i.id = e.stream_id and (i.expected is null or stream.version - i.count = i.expected)
                cross join numbers
                returning stream_id)
            select socialcare_stream_conflict(i.id, i.expected) from input i
            where not exists (select 1 from inserted where inserted.stream_id = i.id)
            """,
            group.Select(a => a.StreamId).ToArray(), group.Select(a => a.WorkspaceId).ToArray(), group.Select(a => a.StreamType).ToArray(),
            group.Select(a => (long)a.Events.Count).ToArray(),
            new NpgsqlParameter<long?[]> { TypedValue = group.Select(a => a.ExpectedVersion).ToArray() },
            events.Select(e => e.Event.EventId).ToArray(), events.Select(e => e.StreamId).ToArray(), events.Select(e => e.Ord).ToArray(),
            events.Select(e => EventTypeRegistry.NameOf(e.Event)).ToArray(),
            new NpgsqlParameter { Value = events.Select(e => EventTypeRegistry.Serialize(e.Event)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
            events.Select(e => e.Event.RecordedAt).ToArray(), (long)events.Count);
        _appends.Add(command);
        foreach (var append in group)
        {
            _expected[append.StreamId] = append.ExpectedVersion;
            _workspaces.Add(append.WorkspaceId);
        }
    }

    /// <summary>Sends the queued writes (not the appends) and then <paramref name="sql"/>, in one round trip, and reads the query's rows.</summary>
    public async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken, params object?[] arguments)
    {
        var batch = TakePending();
        // Npgsql yields result sets only for statements that return rows, so the query's result is found after a marker
        // result set, whatever the queued statements were.
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"select 1 as {QueryFollows}"));
        batch.BatchCommands.Add(Command(sql, arguments));
        await using (batch)
        {
            var rows = new List<T>();
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
            {
                while (!(reader.FieldCount == 1 && reader.GetName(0) == QueryFollows))
                {
                    await reader.NextResultAsync(cancellationToken);
                }

                await reader.NextResultAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows.Add(read(reader));
                }
            }

            return rows;
        }
    }

    /// <summary>
    /// Sends whatever is queued, the appends last, and COMMIT, in one round trip; <see cref="EventStore"/> calls it to end
    /// the transaction. From the first append on, the transaction holds the event numbers' lock, so nothing but its own
    /// statements and its commit runs while it does. A stale expected version fails an append inside PostgreSQL: the
    /// transaction aborts, the COMMIT is skipped, and it surfaces here as <see cref="ConcurrencyException"/>.
    /// </summary>
    internal Task CommitAsync(CancellationToken cancellationToken) => SendAsync(commit: true, cancellationToken);

    /// <summary>
    /// As <see cref="CommitAsync"/>, without the COMMIT: in a transaction shared with the rest of a request (an
    /// <see cref="Infrastructure.Database.AmbientTransaction"/>), its owner commits, and the events' numbers stay locked until it does.
    /// </summary>
    internal Task FlushAsync(CancellationToken cancellationToken) => SendAsync(commit: false, cancellationToken);

    private async Task SendAsync(bool commit, CancellationToken cancellationToken)
    {
        foreach (var append in _appends)
        {
            _pending.BatchCommands.Add(append);
        }

        var appended = _appends.Count > 0;
        _appends.Clear();
        if (appended)
        {
            // Writers of events already commit one at a time (the sequence row), so notifying from inside the transaction
            // serialises nothing more, and the relay hears of the events the moment they become visible. Naming the
            // workspaces lets each event stream wake only for its own.
            _pending.BatchCommands.Add(Command($"select pg_notify('{EventStore.CommittedChannel}', $1)", EventStore.CommittedPayload(_workspaces)));
        }

        if (commit)
        {
            _pending.BatchCommands.Add(new NpgsqlBatchCommand("commit"));
        }
        else if (_pending.BatchCommands.Count == 0)
        {
            return;
        }

        await using var batch = TakePending();
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == StreamConflict && Guid.TryParse(e.Hint, out var stream))
        {
            throw new ConcurrencyException(stream, _expected.GetValueOrDefault(stream));
        }
    }

    private NpgsqlBatch TakePending()
    {
        var batch = _pending;
        _pending = NewBatch(connection, transaction);
        return batch;
    }

    private static NpgsqlBatch NewBatch(NpgsqlConnection connection, NpgsqlTransaction transaction) => new(connection, transaction);

    private static NpgsqlBatchCommand Command(string sql, params object?[] arguments)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var argument in arguments)
        {
            command.Parameters.Add(argument as NpgsqlParameter ?? new NpgsqlParameter { Value = argument ?? DBNull.Value });
        }

        return command;
    }
}
