using System.Reflection;
using Npgsql;

namespace SocialCare.Api.Infrastructure.Database;

/// <summary>
/// Applies the SQL files embedded under Migrations/ in name order, each once, each in its own transaction, recorded in
/// <c>schema_migrations</c>. A session-level advisory lock serialises hub processes that start together: the second
/// waits, then finds nothing left to do.
/// </summary>
public static class Migrator
{
    // Any constant unique to this schema; two processes must agree on it.
    private const long AdvisoryLockKey = 0x5C_4B_00_01;

    public static IReadOnlyList<(string Version, string Sql)> Scripts { get; } = LoadScripts();

    public static async Task<IReadOnlyList<string>> MigrateAsync(
        NpgsqlDataSource dataSource,
        CancellationToken cancellationToken
    )
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Execute(connection, null, $"select pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
        try
        {
            await Execute(
                connection,
                null,
                "create table if not exists schema_migrations (version text primary key, applied_at timestamptz "
                    + "not null default now())",
                cancellationToken
            );
            var applied = new HashSet<string>(StringComparer.Ordinal);
            await using (var command = new NpgsqlCommand("select version from schema_migrations", connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied.Add(reader.GetString(0));
                }
            }

            var newlyApplied = new List<string>();
            foreach (var (version, sql) in Scripts.Where(s => !applied.Contains(s.Version)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await Execute(connection, transaction, sql, cancellationToken);
                await using (
                    var record = new NpgsqlCommand(
                        "insert into schema_migrations (version) values ($1)",
                        connection,
                        transaction
                    )
                )
                {
                    record.Parameters.Add(new NpgsqlParameter { Value = version });
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                newlyApplied.Add(version);
            }

            return newlyApplied;
        }
        finally
        {
            await Execute(connection, null, $"select pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }
    }

    private static async Task Execute(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        string sql,
        CancellationToken cancellationToken
    )
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static List<(string, string)> LoadScripts()
    {
        var assembly = Assembly.GetExecutingAssembly();
        const string marker = ".Migrations.";
        return assembly
            .GetManifestResourceNames()
            .Where(name =>
                name.Contains(marker, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal)
            )
            .Select(name =>
            {
                var file = name[(name.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..^".sql".Length];
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                return (file, reader.ReadToEnd());
            })
            .OrderBy(s => s.file, StringComparer.Ordinal)
            .ToList();
    }
}
