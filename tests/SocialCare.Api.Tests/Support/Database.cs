using Npgsql;

namespace SocialCare.Api.Tests.Support;

/// <summary>Direct reads of the run's database, for assertions the API cannot make (what was *not* written).</summary>
public static class Database
{
    public static async Task<long> CountAsync(string table, Guid workspaceId, string? connectionString = null)
    {
        await using var connection = new NpgsqlConnection(connectionString ?? TestRun.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select count(*) from {table} where workspace_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
