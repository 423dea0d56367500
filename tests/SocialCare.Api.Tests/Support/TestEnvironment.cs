using Npgsql;

namespace SocialCare.Api.Tests.Support;

/// <summary>
/// Where the real PostgreSQL and RabbitMQ started by <c>./infra/dev.sh deps</c> are, read from the same environment
/// variables the hub reads, with the dev ports as defaults.
/// </summary>
public static class TestEnvironment
{
    public static string ServerConnectionString { get; } =
        Environment.GetEnvironmentVariable("ConnectionStrings__Postgres")
        ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=socialcare";

    public static string RabbitHost { get; } = Environment.GetEnvironmentVariable("RabbitMq__Host") ?? "127.0.0.1";

    public static int RabbitPort { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("RabbitMq__Port"), out var port) ? port : 55672;

    /// <summary>dev.sh gives tests a virtual host of their own, apart from a dev hub's durable queues.</summary>
    public static string RabbitVirtualHost { get; } =
        Environment.GetEnvironmentVariable("RabbitMq__VirtualHost") ?? "/";

    /// <summary>Creates an empty database with a unique name and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string purpose)
    {
        var name = $"sc_test_{purpose.ToLowerInvariant()}_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(ServerConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"create database \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(ServerConnectionString)
        {
            Database = name,
            Pooling = true,
        }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(ServerConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop database if exists \"{name}\" with (force)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Runs <paramref name="test"/> against a database of its own, dropped afterwards whatever
    /// happens.</summary>
    public static async Task WithDatabaseAsync(string purpose, Func<string, Task> test)
    {
        var connectionString = await CreateDatabaseAsync(purpose);
        try
        {
            await test(connectionString);
        }
        finally
        {
            await DropDatabaseAsync(connectionString);
        }
    }
}
