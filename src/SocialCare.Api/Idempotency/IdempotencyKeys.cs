using Microsoft.Extensions.Options;
using Npgsql;
using SocialCare.Api.Infrastructure.Database;
using SocialCare.Api.Infrastructure.Secrets;

namespace SocialCare.Api.Idempotency;

/// <summary>One API key's <c>Idempotency-Key</c>, and the fingerprint of the request that came with it.</summary>
public sealed record IdempotencyKey(Guid WorkspaceId, string ApiKeyId, string Key, byte[] RequestHash);

/// <summary>An answer recorded for a key: its status, body, <c>Location</c> and <c>ETag</c>, and the fingerprint of its
/// request.</summary>
public sealed record RecordedAnswer(byte[] RequestHash, int Status, string Body, string? Location, string? ETag);

/// <summary>
/// The <c>idempotency_keys</c> table. A key is taken inside the request's transaction with a transaction-scoped
/// advisory lock, tried without waiting: a second request with the same key while the first runs is told so at once,
/// and when the first ends — committed with its answer, or rolled back by a failure or a crash — the lock goes with its
/// transaction. Answers are stored encrypted (<see cref="SecretCipher"/>): some carry a secret (a subscription's
/// signing secret).
/// </summary>
public sealed class IdempotencyKeys(IOptionsMonitor<IdempotencyOptions> options, SecretCipher cipher)
{
    public const string Table = "idempotency_keys";

    /// <summary>What a stored answer is encrypted with: its row.</summary>
    public static string BodyContext(Guid workspaceId, string apiKeyId, string key) =>
        $"{Table}.body/{workspaceId}/{apiKeyId}/{key}";

    public static StoredSecrets StoredSecrets { get; } =
        new(
            Table,
            ["workspace_id", "api_key_id", "key"],
            ["body"],
            key => BodyContext((Guid)key[0], (string)key[1], (string)key[2])
        );

    /// <summary>
    /// Tries to take <paramref name="key"/> in <paramref name="transaction"/>. <c>Answer</c> is what an earlier request
    /// recorded under it (unless that expired): it is replayed, whoever holds the key meanwhile (another replay).
    /// Without one, <c>Taken</c> is false when another request holds the key (it is running); otherwise this request is
    /// the first: it runs, and <see cref="Record"/> stores its answer with its commit.
    /// </summary>
    public async Task<(bool Taken, RecordedAnswer? Answer)> TakeAsync(
        AmbientTransaction transaction,
        IdempotencyKey key,
        CancellationToken ct
    )
    {
        // An expired answer is deleted by whoever takes its key next (the sweeper may not have come by yet).
        await using var command = new NpgsqlCommand(
            """
            with lock as (select pg_try_advisory_xact_lock(hashtextextended($1, 0)) as taken),
            expired as (
                delete from idempotency_keys k using lock
                where lock.taken and k.workspace_id = $2 and k.api_key_id = $3 and k.key = $4 and k.created_at <= now()
                    - $5)
            select lock.taken, k.request_hash, k.status, k.body, k.location, k.etag
            from lock left join idempotency_keys k
                on k.workspace_id = $2 and k.api_key_id = $3 and k.key = $4 and k.created_at > now() - $5
            """,
            transaction.Connection,
            transaction.Transaction
        );
        command.Parameters.Add(
            new NpgsqlParameter { Value = $"idempotency|{key.WorkspaceId}|{key.ApiKeyId}|{key.Key}" }
        );
        command.Parameters.Add(new NpgsqlParameter { Value = key.WorkspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = key.ApiKeyId });
        command.Parameters.Add(new NpgsqlParameter { Value = key.Key });
        command.Parameters.Add(new NpgsqlParameter { Value = options.CurrentValue.KeyTtl });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        if (!reader.IsDBNull(1))
        {
            return (
                true,
                new RecordedAnswer(
                    reader.GetFieldValue<byte[]>(1),
                    reader.GetInt32(2),
                    cipher.Unprotect(reader.GetString(3), BodyContext(key.WorkspaceId, key.ApiKeyId, key.Key)),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5)
                )
            );
        }

        return (reader.GetBoolean(0), null);
    }

    /// <summary>The statement that records this request's answer, to be sent with its transaction's COMMIT.
    /// <paramref name="subject"/> is what the request acted on (the route's <c>{id}</c>: a conversation, a customer),
    /// so that erasing a customer also drops the answers about them.</summary>
    public NpgsqlBatchCommand Record(
        IdempotencyKey key,
        int status,
        string body,
        string? location,
        string? etag,
        Guid? subject
    ) =>
        new(
            """
            insert into idempotency_keys (workspace_id, api_key_id, key, request_hash, status, body, location, etag,
                subject)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """
        )
        {
            Parameters =
            {
                new NpgsqlParameter { Value = key.WorkspaceId },
                new NpgsqlParameter { Value = key.ApiKeyId },
                new NpgsqlParameter { Value = key.Key },
                new NpgsqlParameter { Value = key.RequestHash },
                new NpgsqlParameter { Value = status },
                new NpgsqlParameter
                {
                    Value = cipher.Protect(body, BodyContext(key.WorkspaceId, key.ApiKeyId, key.Key)),
                },
                new NpgsqlParameter<string?> { TypedValue = location },
                new NpgsqlParameter<string?> { TypedValue = etag },
                new NpgsqlParameter<Guid?> { TypedValue = subject },
            },
        };
}
