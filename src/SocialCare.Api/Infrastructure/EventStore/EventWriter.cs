using Npgsql;
using NpgsqlTypes;
using SocialCare.Contracts;

namespace SocialCare.Api.Infrastructure.EventStore;

/// <summary>
/// One write transaction: projections are updated through <see cref="Command"/> and events appended
/// with <see cref="AppendAsync"/>, all committed together (or not at all) by <see cref="EventStore"/>.
/// </summary>
public sealed class EventWriter(NpgsqlConnection connection, NpgsqlTransaction transaction)
{
    public int Appended { get; private set; }

    public NpgsqlCommand Command(string sql, params object?[] arguments)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var argument in arguments)
        {
            command.Parameters.Add(argument as NpgsqlParameter ?? new NpgsqlParameter { Value = argument ?? DBNull.Value });
        }

        return command;
    }

    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken, params object?[] arguments)
    {
        await using var command = Command(sql, arguments);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Appends <paramref name="events"/> to a stream and returns its new version. With
    /// <paramref name="expectedVersion"/>, the append fails with <see cref="ConcurrencyException"/> unless the stream is
    /// exactly there (0 = the stream must not exist yet); without it, appends serialise on the stream row.
    /// </summary>
    public async Task<long> AppendAsync(Guid streamId, string streamType, Guid workspaceId, long? expectedVersion, IReadOnlyList<HubEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            throw new ArgumentException("Nothing to append.", nameof(events));
        }

        await using var stream = Command("""
            insert into streams as s (id, workspace_id, type, version) values ($1, $2, $3, $4)
            on conflict (id) do update set version = s.version + $4, updated_at = now()
                where $5::bigint is null or s.version = $5
            returning version
            """, streamId, workspaceId, streamType, (long)events.Count, new NpgsqlParameter<long?> { TypedValue = expectedVersion });
        if (await stream.ExecuteScalarAsync(cancellationToken) is not long version)
        {
            throw new ConcurrencyException(streamId, expectedVersion);
        }

        var first = version - events.Count + 1;
        await using var insert = Command("""
            insert into events (id, stream_id, stream_version, workspace_id, type, data, recorded_at)
            select * from unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::uuid[], $5::text[], $6::jsonb[], $7::timestamptz[])
            """,
            events.Select(e => e.EventId).ToArray(),
            events.Select(_ => streamId).ToArray(),
            events.Select((_, i) => first + i).ToArray(),
            events.Select(e => e.WorkspaceId).ToArray(),
            events.Select(EventTypeRegistry.NameOf).ToArray(),
            new NpgsqlParameter { Value = events.Select(EventTypeRegistry.Serialize).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
            events.Select(e => e.RecordedAt).ToArray());
        await insert.ExecuteNonQueryAsync(cancellationToken);
        Appended += events.Count;
        return version;
    }
}
