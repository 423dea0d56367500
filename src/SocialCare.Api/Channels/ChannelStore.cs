using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using SocialCare.Api.Infrastructure.Caching;
using SocialCare.Api.Infrastructure.Database;
using SocialCare.Api.Infrastructure.Secrets;

namespace SocialCare.Api.Channels;

/// <summary>A channel account as the hub uses it internally, secrets included.</summary>
public sealed record Channel(
    Guid Id,
    Guid WorkspaceId,
    string Type,
    string Name,
    string Brand,
    Dictionary<string, JsonElement> Settings,
    Dictionary<string, JsonElement> Secrets,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt
)
{
    public ChannelValues Values => new(Settings, Secrets);

    public ChannelResponse ToResponse() =>
        new(Id, Type, Name, Brand, Settings, Secrets.Keys.Order(StringComparer.Ordinal).ToList(), CreatedAt, UpdatedAt);
}

public sealed class ChannelStore(
    NpgsqlDataSource dataSource,
    CacheInvalidation invalidation,
    TimeProvider clock,
    SecretCipher cipher
)
{
    private const string CacheScope = "channels";
    private readonly ReadThroughCache<(Guid WorkspaceId, Guid Id), Channel> _cache = new(
        CacheScope,
        invalidation,
        clock
    );
    private readonly ReadThroughCache<Guid, Channel> _byId = new(CacheScope, invalidation, clock);
    private readonly ReadThroughCache<(Guid WorkspaceId, string Type, string Account), Channel> _byAccount = new(
        CacheScope,
        invalidation,
        clock
    );

    private const string Columns =
        "id, workspace_id, type, name, brand, settings::text, secrets, created_at, updated_at";

    /// <summary>A channel's secrets are one JSON object, encrypted in the row's <c>secrets</c> column (bound to the
    /// row).</summary>
    public static StoredSecrets StoredSecrets { get; } =
        new("channels", ["id"], ["secrets"], key => SecretsContext((Guid)key[0]));

    public async Task<Channel> CreateAsync(
        Guid workspaceId,
        CreateChannelRequest request,
        ChannelValues values,
        CancellationToken cancellationToken
    )
    {
        var id = Guid.CreateVersion7();
        await using var command = dataSource.CreateAmbientCommand(
            $"""
            insert into channels (id, workspace_id, type, name, brand, settings, secrets)
            values ($1, $2, $3, $4, $5, $6, $7) returning {Columns}
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = request.Type });
        command.Parameters.Add(new NpgsqlParameter { Value = request.Name.Trim() });
        command.Parameters.Add(new NpgsqlParameter { Value = request.Brand.Trim() });
        command.Parameters.Add(Jsonb(values.Settings));
        command.Parameters.Add(Encrypted(id, values.Secrets));
        return (await ReadAsync(command, cancellationToken)).Single();
    }

    /// <summary>A live channel account of the workspace (cached: every ingestion asks).</summary>
    public ValueTask<Channel?> FindAsync(Guid workspaceId, Guid id, CancellationToken cancellationToken) =>
        _cache.GetAsync((workspaceId, id), (key, ct) => LoadAsync(key.WorkspaceId, key.Id, ct), cancellationToken);

    private async Task<Channel?> LoadAsync(Guid workspaceId, Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"select {Columns} from channels where workspace_id = $1 and id = $2 and deleted_at is null"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return (await ReadAsync(command, cancellationToken)).SingleOrDefault();
    }

    /// <summary>
    /// A live channel account by id alone, whatever its workspace: for platform webhooks, which carry no API key (the
    /// platform's signature, checked with the account's own secret, is the credential).
    /// </summary>
    public ValueTask<Channel?> FindForHookAsync(Guid id, CancellationToken cancellationToken) =>
        _byId.GetAsync(
            id,
            async (key, ct) =>
            {
                await using var command = dataSource.CreateCommand(
                    $"select {Columns} from channels where id = $1 and deleted_at is null"
                );
                command.Parameters.Add(new NpgsqlParameter { Value = key });
                return (await ReadAsync(command, ct)).SingleOrDefault();
            },
            cancellationToken
        );

    /// <summary>The workspace's live account of <paramref name="type"/> for a platform account id (phone number id,
    /// page id, X user id).</summary>
    public ValueTask<Channel?> FindByPlatformAccountAsync(
        Guid workspaceId,
        string type,
        string account,
        CancellationToken cancellationToken
    ) =>
        _byAccount.GetAsync(
            (workspaceId, type, account),
            async (key, ct) =>
            {
                await using var command = dataSource.CreateCommand(
                    $"""
                    select {Columns} from channels
                    where workspace_id = $1 and type = $2 and deleted_at is null
                      and coalesce(settings ->> 'phoneNumberId', settings ->> 'pageId', settings ->>
                          'instagramAccountId', settings ->> 'userId') = $3
                    order by created_at limit 1
                    """
                );
                command.Parameters.Add(new NpgsqlParameter { Value = key.WorkspaceId });
                command.Parameters.Add(new NpgsqlParameter { Value = key.Type });
                command.Parameters.Add(new NpgsqlParameter { Value = key.Account });
                return (await ReadAsync(command, ct)).SingleOrDefault();
            },
            cancellationToken
        );

    public async Task<IReadOnlyList<Channel>> ListAsync(
        Guid workspaceId,
        string? type,
        Guid? after,
        int limit,
        CancellationToken cancellationToken
    )
    {
        await using var command = dataSource.CreateCommand(
            $"""
            select {Columns} from channels
            where workspace_id = $1 and deleted_at is null and ($2::text is null or type = $2) and ($3::uuid is null or
                id > $3)
            order by id limit $4
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = type });
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<Channel?> UpdateAsync(
        Channel current,
        UpdateChannelRequest request,
        ChannelValues values,
        CancellationToken cancellationToken
    )
    {
        await using var command = dataSource.CreateCommand(
            $"""
            update channels set name = $3, brand = $4, settings = $5, secrets = $6, updated_at = now()
            where workspace_id = $1 and id = $2 and deleted_at is null returning {Columns}
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = current.WorkspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = current.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = request.Name?.Trim() ?? current.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = request.Brand?.Trim() ?? current.Brand });
        command.Parameters.Add(Jsonb(values.Settings));
        command.Parameters.Add(Encrypted(current.Id, values.Secrets));
        var updated = (await ReadAsync(command, cancellationToken)).SingleOrDefault();
        // Other instances hear of it from the table's trigger; this one must not answer the next request from its
        // cache.
        invalidation.Clear(CacheScope);
        return updated;
    }

    /// <summary>Soft delete: history keeps pointing at the account, new traffic on it is refused.</summary>
    public async Task<bool> DeleteAsync(Guid workspaceId, Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "update channels set deleted_at = now() where workspace_id = $1 and id = $2 and deleted_at is null"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        invalidation.Clear(CacheScope);
        return deleted;
    }

    private static NpgsqlParameter Jsonb(Dictionary<string, JsonElement> value) =>
        new() { Value = JsonSerializer.Serialize(value), NpgsqlDbType = NpgsqlDbType.Jsonb };

    private static string SecretsContext(Guid id) => $"channels.secrets/{id}";

    private NpgsqlParameter Encrypted(Guid id, Dictionary<string, JsonElement> secrets) =>
        new() { Value = cipher.Protect(JsonSerializer.Serialize(secrets), SecretsContext(id)) };

    private async Task<List<Channel>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var channels = new List<Channel>();
        while (await reader.ReadAsync(cancellationToken))
        {
            channels.Add(
                new Channel(
                    reader.GetGuid(0),
                    reader.GetGuid(1),
                    reader.GetString(2),
                    reader.GetString(3),
                    reader.GetString(4),
                    JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(reader.GetString(5))!,
                    JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(
                        cipher.Unprotect(reader.GetString(6), SecretsContext(reader.GetGuid(0)))
                    )!,
                    reader.GetFieldValue<DateTimeOffset>(7),
                    reader.GetFieldValue<DateTimeOffset>(8)
                )
            );
        }

        return channels;
    }
}
