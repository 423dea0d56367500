using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using SocialCare.Api.EventLog;
using SocialCare.Api.Infrastructure.Database;
using SocialCare.Api.Infrastructure.Secrets;
using SocialCare.Api.Webhooks.Sending;

namespace SocialCare.Api.Webhooks;

/// <summary>A subscription as the hub uses it: with its secrets.</summary>
public sealed record Subscription(
    Guid Id,
    Guid WorkspaceId,
    string Url,
    IReadOnlyList<string> EventTypes,
    SubscriptionFilters Filters,
    string? Description,
    bool Enabled,
    string Secret,
    string? PreviousSecret,
    DateTimeOffset? PreviousSecretExpiresAt,
    string? DisabledReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<string>? Brands,
    string Pii
)
{
    public SubscriptionResponse ToResponse() =>
        new(Id, Url, EventTypes, Filters, Description, Enabled, DisabledReason, CreatedAt, UpdatedAt, Brands, Pii);

    public SubscriptionWithSecret WithSecret() =>
        new(
            Id,
            Url,
            EventTypes,
            Filters,
            Description,
            Enabled,
            CreatedAt,
            Secret,
            PreviousSecretExpiresAt,
            Brands,
            Pii
        );

    /// <summary>The secrets to sign with now: the current one, and the previous one while its overlap lasts.</summary>
    public IEnumerable<string> SigningSecrets(DateTimeOffset now) =>
        PreviousSecret is { } previous && PreviousSecretExpiresAt > now ? [Secret, previous] : [Secret];
}

public sealed class SubscriptionStore(NpgsqlDataSource dataSource, SubscriptionTargets targets, SecretCipher cipher)
{
    /// <summary>
    /// The signing secrets, encrypted bound to their row. Both columns share one context, so that a rotation can move
    /// the current ciphertext to <c>previous_secret</c> as it is.
    /// </summary>
    public static StoredSecrets StoredSecrets { get; } =
        new("subscriptions", ["id"], ["secret", "previous_secret"], key => SecretContext((Guid)key[0]));

    public static string SecretContext(Guid id) => $"subscriptions.secret/{id}";

    private const string Columns = """
        id, workspace_id, url, event_types, filters::text, description, enabled, secret, previous_secret,
        previous_secret_expires_at, disabled_reason, created_at, updated_at, brands, pii
        """;

    /// <summary>Creates the subscription, unless the workspace already has <paramref name="limit"/> of them (null
    /// then).</summary>
    public async Task<Subscription?> CreateAsync(
        Guid workspaceId,
        CreateSubscriptionRequest request,
        int limit,
        CancellationToken ct
    )
    {
        // Creations in one workspace take turns, so that two at once cannot both pass the count. The lock lasts as long
        // as the transaction: the request's own when it is idempotent (its answer commits with it), else one of its own
        // here.
        var ambient = AmbientTransaction.Current;
        await using var own = ambient is null ? await dataSource.OpenConnectionAsync(ct) : null;
        await using var ownTransaction = own is null ? null : await own.BeginTransactionAsync(ct);
        var (connection, transaction) = ambient is null
            ? (own!, ownTransaction!)
            : (ambient.Connection, ambient.Transaction);
        await using (
            var turn = new NpgsqlCommand(
                "select pg_advisory_xact_lock(hashtextextended('subscriptions|' || $1::text, 0))",
                connection,
                transaction
            )
        )
        {
            turn.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
            await turn.ExecuteNonQueryAsync(ct);
        }

        var id = Guid.CreateVersion7();
        await using var command = new NpgsqlCommand(
            $"""
            insert into subscriptions (id, workspace_id, url, event_types, filters, description, enabled, secret,
                brands, pii)
            select $1, $2, $3, $4, $5, $6, $7, $8, $9, $11
            where (select count(*) from subscriptions where workspace_id = $2 and deleted_at is null) < $10
            returning {Columns}
            """,
            connection,
            transaction
        );
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = request.Url });
        command.Parameters.Add(new NpgsqlParameter { Value = NormaliseTypes(request.EventTypes) });
        command.Parameters.Add(Jsonb(request.Filters ?? Empty));
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = request.Description });
        command.Parameters.Add(new NpgsqlParameter { Value = request.Enabled ?? true });
        command.Parameters.Add(
            new NpgsqlParameter { Value = cipher.Protect(WebhookSigner.NewSecret(), SecretContext(id)) }
        );
        command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = request.Brands?.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)limit });
        command.Parameters.Add(new NpgsqlParameter { Value = request.Pii ?? Privacy.PiiModes.Full });
        var created = (await ReadAsync(command, ct)).SingleOrDefault();
        if (ownTransaction is not null)
        {
            await ownTransaction.CommitAsync(ct);
        }

        AmbientTransaction.AfterCommit(targets.Changed);
        return created;
    }

    public async Task<Subscription?> FindAsync(Guid workspaceId, Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateAmbientCommand(
            $"select {Columns} from subscriptions where workspace_id = $1 and id = $2 and deleted_at is null"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return (await ReadAsync(command, ct)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<Subscription>> ListAsync(Guid workspaceId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"select {Columns} from subscriptions where workspace_id = $1 and deleted_at is null order by id"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        return await ReadAsync(command, ct);
    }

    public async Task<Subscription?> UpdateAsync(
        Subscription current,
        UpdateSubscriptionRequest request,
        CancellationToken ct
    )
    {
        await using var command = dataSource.CreateCommand(
            $"""
            update subscriptions set url = $3, event_types = $4, filters = $5, description = $6, enabled = $7,
                disabled_reason = case when $7 then null else disabled_reason end, brands = $8, pii = $9,
                updated_at = now()
            where workspace_id = $1 and id = $2 and deleted_at is null returning {Columns}
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = current.WorkspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = current.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = request.Url ?? current.Url });
        command.Parameters.Add(
            new NpgsqlParameter
            {
                Value = request.EventTypes is null ? current.EventTypes.ToArray() : NormaliseTypes(request.EventTypes),
            }
        );
        command.Parameters.Add(Jsonb(request.Filters ?? current.Filters));
        command.Parameters.Add(
            new NpgsqlParameter<string?> { TypedValue = request.Description ?? current.Description }
        );
        command.Parameters.Add(new NpgsqlParameter { Value = request.Enabled ?? current.Enabled });
        command.Parameters.Add(
            new NpgsqlParameter<string[]?> { TypedValue = (request.Brands ?? current.Brands)?.ToArray() }
        );
        command.Parameters.Add(new NpgsqlParameter { Value = request.Pii ?? current.Pii });
        var updated = (await ReadAsync(command, ct)).SingleOrDefault();
        targets.Changed();
        return updated;
    }

    /// <summary>A new secret; the old one keeps signing (alongside) until <paramref name="overlapUntil"/>.</summary>
    public async Task<Subscription?> RotateSecretAsync(
        Guid workspaceId,
        Guid id,
        DateTimeOffset overlapUntil,
        CancellationToken ct
    )
    {
        await using var command = dataSource.CreateAmbientCommand(
            $"""
            update subscriptions set previous_secret = secret, previous_secret_expires_at = $3, secret = $4, updated_at
                = now()
            where workspace_id = $1 and id = $2 and deleted_at is null returning {Columns}
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = overlapUntil });
        command.Parameters.Add(
            new NpgsqlParameter { Value = cipher.Protect(WebhookSigner.NewSecret(), SecretContext(id)) }
        );
        var rotated = (await ReadAsync(command, ct)).SingleOrDefault();
        // Every instance signs from its cache of targets: this one's must not keep signing with the old secret alone.
        AmbientTransaction.AfterCommit(targets.Changed);
        return rotated;
    }

    public async Task<bool> DeleteAsync(Guid workspaceId, Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "update subscriptions set deleted_at = now(), enabled = false where workspace_id = $1 and id = $2 "
                + "and deleted_at is null"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        var deleted = await command.ExecuteNonQueryAsync(ct) == 1;
        targets.Changed();
        return deleted;
    }

    private static readonly SubscriptionFilters Empty = new(null, null, null, null);

    /// <summary>No list, an empty list or <c>*</c> all mean every event.</summary>
    private static string[] NormaliseTypes(IReadOnlyList<string>? types) =>
        types is null || types.Count == 0 || types.Contains("*")
            ? ["*"]
            : types.Distinct(StringComparer.Ordinal).ToArray();

    private static NpgsqlParameter Jsonb(SubscriptionFilters filters) =>
        new() { Value = JsonSerializer.Serialize(filters, EventTypeRegistry.Json), NpgsqlDbType = NpgsqlDbType.Jsonb };

    private async Task<List<Subscription>> ReadAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        var items = new List<Subscription>();
        while (await reader.ReadAsync(ct))
        {
            items.Add(
                new Subscription(
                    reader.GetGuid(0),
                    reader.GetGuid(1),
                    reader.GetString(2),
                    reader.GetFieldValue<string[]>(3),
                    JsonSerializer.Deserialize<SubscriptionFilters>(reader.GetString(4), EventTypeRegistry.Json)!,
                    reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.GetBoolean(6),
                    cipher.Unprotect(reader.GetString(7), SecretContext(reader.GetGuid(0))),
                    reader.IsDBNull(8) ? null : cipher.Unprotect(reader.GetString(8), SecretContext(reader.GetGuid(0))),
                    reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
                    reader.IsDBNull(10) ? null : reader.GetString(10),
                    reader.GetFieldValue<DateTimeOffset>(11),
                    reader.GetFieldValue<DateTimeOffset>(12),
                    reader.IsDBNull(13) ? null : reader.GetFieldValue<string[]>(13),
                    reader.GetString(14)
                )
            );
        }

        return items;
    }
}
