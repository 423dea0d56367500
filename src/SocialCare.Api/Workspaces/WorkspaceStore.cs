using Npgsql;
using SocialCare.Api.Authorization;
using SocialCare.Api.Infrastructure.Caching;

namespace SocialCare.Api.Workspaces;

/// <summary>Workspaces and API keys in PostgreSQL.</summary>
public sealed class WorkspaceStore(NpgsqlDataSource dataSource, CacheInvalidation invalidation)
{
    public async Task<WorkspaceResponse> CreateAsync(string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "insert into workspaces (id, name) values ($1, $2) returning created_at"
        );
        var id = Guid.CreateVersion7();
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        var createdAt = (DateTime)(await command.ExecuteScalarAsync(cancellationToken))!;
        return new WorkspaceResponse(id, name, new DateTimeOffset(createdAt, TimeSpan.Zero));
    }

    public async Task<WorkspaceResponse?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select id, name, created_at from workspaces where id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadWorkspace(reader) : null;
    }

    public async Task<IReadOnlyList<WorkspaceResponse>> ListAsync(
        Guid? after,
        int limit,
        CancellationToken cancellationToken
    )
    {
        await using var command = dataSource.CreateCommand(
            "select id, name, created_at from workspaces where ($1::uuid is null or id > $1) order by id limit $2"
        );
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<WorkspaceResponse>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(ReadWorkspace(reader));
        }

        return items;
    }

    /// <summary>Stores a key's hash. <paramref name="key"/> is the plaintext, returned to the caller once and never
    /// stored.</summary>
    public async Task<CreatedApiKeyResponse> CreateKeyAsync(
        Guid workspaceId,
        CreateApiKeyRequest request,
        string key,
        CancellationToken cancellationToken
    )
    {
        var scopes = request.Scopes.Distinct(StringComparer.Ordinal).ToArray();
        var brands = request.Brands?.Select(b => b.Trim()).Distinct(StringComparer.Ordinal).ToArray();
        await using var command = dataSource.CreateCommand(
            """
            insert into api_keys (id, workspace_id, name, scopes, brands, key_hash, key_hint)
            values ($1, $2, $3, $4, $5, $6, $7) returning created_at
            """
        );
        var id = Guid.CreateVersion7();
        var hint = ApiKeys.Hint(key);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = request.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = scopes });
        command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = brands });
        command.Parameters.Add(new NpgsqlParameter { Value = ApiKeys.Hash(key) });
        command.Parameters.Add(new NpgsqlParameter { Value = hint });
        var createdAt = (DateTime)(await command.ExecuteScalarAsync(cancellationToken))!;
        return new CreatedApiKeyResponse(
            id,
            workspaceId,
            request.Name,
            scopes,
            brands,
            hint,
            new DateTimeOffset(createdAt, TimeSpan.Zero),
            key
        );
    }

    public async Task<IReadOnlyList<ApiKeyResponse>> ListKeysAsync(
        Guid workspaceId,
        CancellationToken cancellationToken
    )
    {
        await using var command = dataSource.CreateCommand(
            """
            select id, workspace_id, name, scopes, brands, key_hint, created_at, revoked_at
            from api_keys where workspace_id = $1 order by created_at, id
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKeyResponse>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(
                new ApiKeyResponse(
                    reader.GetGuid(0),
                    reader.GetGuid(1),
                    reader.GetString(2),
                    reader.GetFieldValue<string[]>(3),
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<string[]>(4),
                    reader.GetString(5),
                    reader.GetFieldValue<DateTimeOffset>(6),
                    reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7)
                )
            );
        }

        return keys;
    }

    /// <summary>Revokes a key; true when the key exists in the workspace (revoking twice is harmless).</summary>
    public async Task<bool> RevokeKeyAsync(Guid workspaceId, Guid keyId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "update api_keys set revoked_at = coalesce(revoked_at, now()) where workspace_id = $1 and id = $2"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = keyId });
        var revoked = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        // Other instances hear of it from the table's trigger; this one must not answer the next request from its
        // cache.
        invalidation.Clear(ApiKeyRecord.CacheScope);
        return revoked;
    }

    /// <summary>
    /// Makes sure a workspace named <paramref name="name"/> holds <paramref name="key"/> with every scope. Used by the
    /// dev seed: the same key works across restarts without ever storing it in plaintext.
    /// </summary>
    /// <returns>The workspace, and whether the key has been revoked (then it stays revoked: a revocation is never
    /// undone by configuration).</returns>
    public async Task<(Guid WorkspaceId, bool Revoked)> EnsureWorkspaceWithKeyAsync(
        string name,
        string key,
        CancellationToken cancellationToken
    )
    {
        await using var find = dataSource.CreateCommand(
            "select workspace_id, revoked_at is not null from api_keys where key_hash = $1"
        );
        find.Parameters.Add(new NpgsqlParameter { Value = ApiKeys.Hash(key) });
        await using (var reader = await find.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                return (reader.GetGuid(0), reader.GetBoolean(1));
            }
        }

        var workspace = await CreateAsync(name, cancellationToken);
        await CreateKeyAsync(
            workspace.Id,
            new CreateApiKeyRequest($"{name} (all scopes)", Scopes.All, null),
            key,
            cancellationToken
        );
        return (workspace.Id, false);
    }

    private static WorkspaceResponse ReadWorkspace(NpgsqlDataReader reader) =>
        new(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2));
}
