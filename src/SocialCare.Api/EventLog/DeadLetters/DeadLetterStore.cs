using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace SocialCare.Api.EventLog.DeadLetters;

/// <summary>A queue message set aside by <see cref="QueueDeadLetterFilter"/>.</summary>
public sealed record QueueDeadLetter(
    string Queue,
    string? MessageId,
    string? ContentType,
    string HeadersJson,
    byte[] Body,
    Guid? EventId,
    string? EventType,
    Guid? WorkspaceId,
    string Error,
    string ExceptionType,
    DateTime FaultedAt
);

/// <summary>The <c>dead_letters</c> table (migration 0038).</summary>
public sealed class DeadLetterStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Sets aside an event a follower could not read ($1 the follower, $2 the event's sequence, $3 the error, $4 a new
    /// id), or records the new error when it was already set aside (a redrive that failed again: it waits again, one
    /// more redrive counted).
    /// </summary>
    public const string RecordUnreadableEvent = """
        insert into dead_letters (id, source, follower, event_id, event_type, workspace_id, seq, error, fingerprint)
        select $4, case $1 when 'rabbitmq' then 'relay' else 'follower' end, $1, e.id, e.type,
            case when e.tenant_id ~ '^[0-9a-f-]{36}$' then e.tenant_id::uuid end, e.seq_id, $3, e.id::text || ':' || $1
        from mt_events e where e.seq_id = $2
        on conflict (fingerprint) do update set error = excluded.error, redriven_at = null, at = now(),
            redrives = dead_letters.redrives + 1
        """;

    private const string Columns =
        "id, source, follower, queue, event_id, event_type, workspace_id, seq, error, exception_type, at, redriven_at, "
        + "redrives";

    public async Task AddAsync(QueueDeadLetter letter, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            insert into dead_letters (id, source, queue, event_id, event_type, workspace_id, error, exception_type,
                message_id, content_type, headers, body, fingerprint)
            values ($1, 'queue', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            on conflict (fingerprint) do update set error = excluded.error, exception_type = excluded.exception_type,
                at = now(), redriven_at = null
            """
        );
        // The same message on the same queue is one dead letter: delivered again after a crash before its
        // acknowledgement, or failing again after a redrive, it is listed again with its latest error.
        var fingerprint = Convert.ToHexStringLower(
            System.Security.Cryptography.SHA256.HashData(
                Encoding.UTF8.GetBytes($"{letter.Queue}\n{letter.MessageId}\n").Concat(letter.Body).ToArray()
            )
        );
        command.Parameters.Add(new NpgsqlParameter { Value = Guid.CreateVersion7() });
        command.Parameters.Add(new NpgsqlParameter { Value = letter.Queue });
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = letter.EventId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)letter.EventType ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = letter.WorkspaceId });
        command.Parameters.Add(
            new NpgsqlParameter { Value = Infrastructure.Database.StorableValues.Clean(letter.Error) }
        );
        command.Parameters.Add(new NpgsqlParameter { Value = letter.ExceptionType });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)letter.MessageId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)letter.ContentType ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { Value = letter.HeadersJson, NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = letter.Body });
        command.Parameters.Add(new NpgsqlParameter { Value = fingerprint });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Newest first, after the dead letter <paramref name="after"/>.</summary>
    public async Task<List<DeadLetterResponse>> ListAsync(
        string? source,
        bool? redriven,
        Guid? after,
        int limit,
        CancellationToken ct
    )
    {
        await using var command = dataSource.CreateCommand(
            $"""
            select {Columns} from dead_letters d
            where ($1::text is null or d.source = $1)
                and ($2::boolean is null or (d.redriven_at is not null) = $2)
                and ($3::uuid is null or (d.at, d.id) < (select at, id from dead_letters where id = $3))
            order by d.at desc, d.id desc limit $4
            """
        );
        command.Parameters.Add(
            new NpgsqlParameter { Value = (object?)source ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text }
        );
        command.Parameters.Add(new NpgsqlParameter<bool?> { TypedValue = redriven });
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var items = new List<DeadLetterResponse>();
        while (await reader.ReadAsync(ct))
        {
            items.Add(Read(reader));
        }

        return items;
    }

    public async Task<DeadLetterDetail?> FindAsync(Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"select {Columns}, message_id, content_type, headers::text, body from dead_letters where id = $1"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        var body = reader.IsDBNull(16) ? null : reader.GetFieldValue<byte[]>(16);
        var text = body is null ? null : TryUtf8(body);
        return new DeadLetterDetail(
            Read(reader),
            reader.IsDBNull(13) ? null : reader.GetString(13),
            reader.IsDBNull(14) ? null : reader.GetString(14),
            reader.IsDBNull(15)
                ? null
                : JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(reader.GetString(15)),
            text ?? (body is null ? null : Convert.ToBase64String(body)),
            body is null ? null
                : text is null ? "base64"
                : "utf-8"
        );
    }

    /// <summary>Claims the dead letter for one redrive, before anything is sent: of two redrives at once, one gets
    /// it. False when it was redriven (or claimed) already.</summary>
    public async Task<bool> ClaimAsync(Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "update dead_letters set redriven_at = now(), redrives = redrives + 1 where id = $1 and redriven_at is null"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Gives a claim back when nothing was sent (the broker did not take it, the event still cannot be read:
    /// <paramref name="error"/>): the dead letter waits again.</summary>
    public async Task ReleaseAsync(Guid id, string? error, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "update dead_letters set error = coalesce($2, error), redriven_at = null where id = $1"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(
            new NpgsqlParameter
            {
                Value = error is null ? DBNull.Value : Infrastructure.Database.StorableValues.Clean(error),
                NpgsqlDbType = NpgsqlDbType.Text,
            }
        );
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Asks <paramref name="follower"/> to read the event again on its next pass (<see
    /// cref="LogFollower"/>).</summary>
    public async Task RequestRedriveAsync(string follower, Guid eventId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "insert into event_redrives (follower, event_id) values ($1, $2) on conflict do nothing"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = follower });
        command.Parameters.Add(new NpgsqlParameter { Value = eventId });
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<bool> DeleteAsync(Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("delete from dead_letters where id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    private static DeadLetterResponse Read(NpgsqlDataReader reader) =>
        new(
            reader.GetGuid(0),
            reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetGuid(4),
            reader.IsDBNull(5) ? null : reader.GetString(5),
            reader.IsDBNull(6) ? null : reader.GetGuid(6),
            reader.IsDBNull(7) ? null : reader.GetInt64(7),
            reader.GetString(8),
            reader.IsDBNull(9) ? null : reader.GetString(9),
            reader.GetFieldValue<DateTimeOffset>(10),
            reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11),
            reader.GetInt32(12)
        );

    private static string? TryUtf8(byte[] body)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
