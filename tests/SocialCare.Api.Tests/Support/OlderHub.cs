using Npgsql;
using SocialCare.Api.Authorization;
using SocialCare.Api.Infrastructure.Database;

namespace SocialCare.Api.Tests.Support;

/// <summary>
/// A database as an older hub left it, for upgrade tests: the schema up to one of its migrations, and rows written into
/// it with that hub's SQL.
/// </summary>
public static class OlderHub
{
    /// <summary>Applies the migrations up to <paramref name="lastMigration"/> (e.g. "0022"), as that
    /// hub's migrator did.</summary>
    public static async Task MigrateToAsync(NpgsqlConnection connection, string lastMigration)
    {
        await ExecuteAsync(
            connection,
            "create table schema_migrations (version text primary key, applied_at timestamptz not null default now())"
        );
        foreach (
            var (version, sql) in Migrator.Scripts.Where(s => string.CompareOrdinal(s.Version[..4], lastMigration) <= 0)
        )
        {
            await ExecuteAsync(
                connection,
                $"begin;\n{sql};\ninsert into schema_migrations (version) values ($${version}$$);\ncommit;"
            );
        }
    }

    /// <summary>A workspace and an API key of every scope; returns the key's id and its secret.</summary>
    public static async Task<(Guid KeyId, string ApiKey)> WorkspaceWithKeyAsync(
        NpgsqlConnection connection,
        Guid workspaceId,
        string name
    )
    {
        var (keyId, apiKey) = (Guid.CreateVersion7(), ApiKeys.Generate());
        await ExecuteAsync(connection, "insert into workspaces (id, name) values ($1, $2)", workspaceId, name);
        await ExecuteAsync(
            connection,
            "insert into api_keys (id, workspace_id, name, scopes, key_hash, key_hint) "
                + "values ($1, $2, 'older app', $3, $4, 'sch_…')",
            keyId,
            workspaceId,
            Scopes.All.ToArray(),
            ApiKeys.Hash(apiKey)
        );
        return (keyId, apiKey);
    }

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, params object[] arguments)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var argument in arguments)
        {
            command.Parameters.Add(argument as NpgsqlParameter ?? new NpgsqlParameter { Value = argument });
        }

        await command.ExecuteNonQueryAsync();
    }
}
