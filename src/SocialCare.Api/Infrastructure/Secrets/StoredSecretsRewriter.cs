using Npgsql;
using SocialCare.Api.Infrastructure.Database;

namespace SocialCare.Api.Infrastructure.Secrets;

/// <summary>What the tables' encrypted columns hold: values per key id, and values still in clear (<c>KeyId</c>
/// null).</summary>
public sealed record StoredSecretsCensus(string Table, string? KeyId, long Values);

/// <summary>
/// Rewrites stored secrets: at start-up the values an older hub wrote in clear, and on request every value not under
/// the active key. Runs hold a PostgreSQL advisory lock on a session connection, so that instances starting together
/// (or an operator's re-encryption meanwhile) take turns; the second finds nothing left to do. Rows are rewritten in
/// batches of <see cref="BatchSize"/>, each in its own transaction, locked (<c>FOR UPDATE</c>) so that a concurrent
/// write waits for it.
/// </summary>
public sealed class StoredSecretsRewriter(
    SessionConnections sessions,
    IEnumerable<StoredSecrets> tables,
    SecretCipher cipher
)
{
    private const long LockKey = 0x5C_4B_00_03;
    private const int BatchSize = 500;

    /// <summary>Under the lock: <paramref name="work"/> with the connection that holds it (closing it releases the
    /// lock).</summary>
    public async Task<T> WithLockAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken ct)
    {
        await using var connection = await sessions.OpenAsync(ct);
        await using (var command = new NpgsqlCommand($"select pg_advisory_lock({LockKey})", connection))
        {
            await command.ExecuteNonQueryAsync(ct);
        }

        return await work(connection);
    }

    /// <summary>How many values of each table are under each key, or in clear.</summary>
    public async Task<IReadOnlyList<StoredSecretsCensus>> CensusAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var census = new List<StoredSecretsCensus>();
        foreach (var table in tables)
        {
            var values = string.Join(
                " union all ",
                table.Columns.Select(c =>
                    $"select case when starts_with({c}, '{SecretCipher.Marker}') then split_part({c}, ':', 3) end "
                    + $"as key_id from {table.Table} where {c} is not null"
                )
            );
            await using var command = new NpgsqlCommand(
                $"select key_id, count(*) from ({values}) as v group by key_id",
                connection
            );
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                census.Add(
                    new StoredSecretsCensus(
                        table.Table,
                        reader.IsDBNull(0) ? null : reader.GetString(0),
                        reader.GetInt64(1)
                    )
                );
            }
        }

        return census;
    }

    /// <summary>
    /// Rewrites, under the active key, every row with a value that does not start with <paramref name="keep"/> (<see
    /// cref="SecretCipher.Marker"/>: only values in clear; <see cref="SecretCipher.ActivePrefix"/>: all but the active
    /// key's). Returns the rows rewritten per table.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, int>> RewriteAsync(
        NpgsqlConnection connection,
        string keep,
        CancellationToken ct
    )
    {
        var rewritten = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            var total = 0;
            int batch;
            while ((batch = await RewriteBatchAsync(connection, table, keep, ct)) > 0)
            {
                total += batch;
            }

            rewritten[table.Table] = total;
        }

        return rewritten;
    }

    private async Task<int> RewriteBatchAsync(
        NpgsqlConnection connection,
        StoredSecrets table,
        string keep,
        CancellationToken ct
    )
    {
        var order = string.Join(", ", table.Key);
        var stale = string.Join(" or ", table.Columns.Select(c => $"not starts_with({c}, $1)"));
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var rows = new List<(object[] Key, string?[] Values)>();
        await using (
            var select = new NpgsqlCommand(
                $"select {order}, {string.Join(", ", table.Columns)} from {table.Table} where {stale} "
                    + $"order by {order} limit {BatchSize} for update",
                connection,
                transaction
            )
        )
        {
            select.Parameters.Add(new NpgsqlParameter { Value = keep });
            await using var reader = await select.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var key = Enumerable.Range(0, table.Key.Count).Select(reader.GetValue).ToArray();
                var values = Enumerable
                    .Range(table.Key.Count, table.Columns.Count)
                    .Select(i => reader.IsDBNull(i) ? null : reader.GetString(i))
                    .ToArray();
                rows.Add((key, values));
            }
        }

        if (rows.Count == 0)
        {
            return 0;
        }

        var set = string.Join(", ", table.Columns.Select((c, i) => $"{c} = ${i + 1}"));
        var where = string.Join(" and ", table.Key.Select((k, i) => $"{k} = ${table.Columns.Count + i + 1}"));
        await using (var update = new NpgsqlBatch(connection, transaction))
        {
            foreach (var (key, values) in rows)
            {
                var context = table.Context(key);
                var command = new NpgsqlBatchCommand($"update {table.Table} set {set} where {where}");
                foreach (var value in values)
                {
                    command.Parameters.Add(
                        new NpgsqlParameter<string?>
                        {
                            TypedValue =
                                value is null || value.StartsWith(keep, StringComparison.Ordinal)
                                    ? value
                                    : cipher.Reprotect(value, context),
                        }
                    );
                }

                foreach (var part in key)
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = part });
                }

                update.BatchCommands.Add(command);
            }

            await update.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return rows.Count;
    }
}
