using Npgsql;

namespace SocialCare.Api.Tests.Support;

/// <summary>Direct reads of the run's database, for assertions the API cannot make (what was *not* written).</summary>
public static class Database
{
    public static async Task<long> CountAsync(string table, Guid workspaceId, string? connectionString = null)
    {
        await using var connection = new NpgsqlConnection(connectionString ?? TestRun.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select count(*) from {table} where workspace_id = $1",
            connection
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>How many events the workspace's log holds (Marten's <c>mt_events</c>, the workspace being the
    /// tenant).</summary>
    public static async Task<long> CountEventsAsync(Guid workspaceId, string? connectionString = null)
    {
        await using var connection = new NpgsqlConnection(connectionString ?? TestRun.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select count(*) from mt_events where tenant_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId.ToString() });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Changes the database behind the API's back: what a later state of the world (a name resolving
    /// elsewhere, a row written by an older version) looks like.</summary>
    public static async Task<int> ExecuteAsync(string sql, string? connectionString = null, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString ?? TestRun.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return await command.ExecuteNonQueryAsync();
    }
}
