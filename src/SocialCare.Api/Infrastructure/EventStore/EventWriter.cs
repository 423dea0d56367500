using Npgsql;
using NpgsqlTypes;
using SocialCare.Contracts;

namespace SocialCare.Api.Infrastructure.EventStore;

/// <summary>
/// One write transaction. Writes (<see cref="Execute"/>, <see cref="Append"/>) are queued and sent to
/// PostgreSQL together, pipelined in one round trip, when a read needs them (<see cref="QueryAsync"/>)
/// or when <see cref="EventStore"/> commits. On a loaded machine round trips, not SQL, are the cost of
/// an ingestion, so a whole ingestion is two of them plus the commit.
/// </summary>
public sealed class EventWriter(NpgsqlConnection connection, NpgsqlTransaction transaction)
{
    private NpgsqlBatch _pending = NewBatch(connection, transaction);
    private readonly List<(NpgsqlBatchCommand Command, Guid StreamId, long? Expected, int Count)> _appends = [];

    public int Appended { get; private set; }

    /// <summary>Queues a statement; it runs, in order, before the next read or the commit.</summary>
    public void Execute(string sql, params object?[] arguments) => _pending.BatchCommands.Add(Command(sql, arguments));

    /// <summary>
    /// Queues appending <paramref name="events"/> to a stream. With <paramref name="expectedVersion"/>, the append
    /// fails with <see cref="ConcurrencyException"/> (at the flush) unless the stream is exactly there (0 = it must not
    /// exist yet); without it, appends serialise on the stream row. The stream's version after the append is its
    /// version before plus <c>events.Count</c>.
    /// </summary>
    public void Append(Guid streamId, string streamType, Guid workspaceId, long? expectedVersion, IReadOnlyList<HubEvent> events)
    {
        if (events.Count == 0)
        {
            throw new ArgumentException("Nothing to append.", nameof(events));
        }

        // One statement: bump the stream row (checking the expected version), then insert the events numbered from
        // the new version. A stale version leaves the CTE empty, so no event is inserted and the flush reports it.
        var command = Command("""
            with stream as (
                insert into streams as s (id, workspace_id, type, version) values ($1, $2, $3, $4)
                on conflict (id) do update set version = s.version + $4, updated_at = now()
                    where $5::bigint is null or s.version = $5
                returning version)
            insert into events (id, stream_id, stream_version, workspace_id, type, data, recorded_at)
            select e.id, $1, stream.version - $4 + e.ord, $2, e.type, e.data, e.recorded_at
            from stream, unnest($6::uuid[], $7::text[], $8::jsonb[], $9::timestamptz[]) with ordinality as e(id, type, data, recorded_at, ord)
            """,
            streamId, workspaceId, streamType, (long)events.Count, new NpgsqlParameter<long?> { TypedValue = expectedVersion },
            events.Select(e => e.EventId).ToArray(),
            events.Select(EventTypeRegistry.NameOf).ToArray(),
            new NpgsqlParameter { Value = events.Select(EventTypeRegistry.Serialize).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
            events.Select(e => e.RecordedAt).ToArray());
        _pending.BatchCommands.Add(command);
        _appends.Add((command, streamId, expectedVersion, events.Count));
        Appended += events.Count;
    }

    /// <summary>Sends the queued writes and then <paramref name="sql"/>, in one round trip, and reads the query's rows.</summary>
    public async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken, params object?[] arguments)
    {
        var batch = TakePending();
        batch.BatchCommands.Add(Command(sql, arguments));
        await using (batch)
        {
            var rows = new List<T>();
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
            {
                for (var i = 1; i < batch.BatchCommands.Count; i++)
                {
                    await reader.NextResultAsync(cancellationToken);
                }

                while (await reader.ReadAsync(cancellationToken))
                {
                    rows.Add(read(reader));
                }
            }

            CheckAppends();
            return rows;
        }
    }

    /// <summary>Sends whatever is queued.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.BatchCommands.Count == 0)
        {
            return;
        }

        await using var batch = TakePending();
        await batch.ExecuteNonQueryAsync(cancellationToken);
        CheckAppends();
    }

    private NpgsqlBatch TakePending()
    {
        var batch = _pending;
        _pending = NewBatch(connection, transaction);
        return batch;
    }

    private void CheckAppends()
    {
        foreach (var append in _appends)
        {
            if (append.Command.RecordsAffected != append.Count)
            {
                throw new ConcurrencyException(append.StreamId, append.Expected);
            }
        }

        _appends.Clear();
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
