using Microsoft.Extensions.Options;
using Npgsql;

namespace SocialCare.Api.Infrastructure.Database;

public static class DatabaseExtensions
{
    public const string ConnectionStringName = "Postgres";

    /// <summary>
    /// One pooled <see cref="NpgsqlDataSource"/> for the process, <see cref="RelaxedCommits"/> for bookkeeping a crash
    /// may lose, unpooled <see cref="SessionConnections"/> for session state, and the schema migrated at start-up.
    /// Every connection carries the keepalives of <see cref="DatabaseOptions"/>: the session ones hold the relay
    /// leader's lock, and a pooled one can hold row and advisory locks mid-transaction, so PostgreSQL must drop any of
    /// them whose hub vanished.
    /// </summary>
    public static IServiceCollection AddDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionStringName} is not set "
                    + $"(environment ConnectionStrings__{ConnectionStringName})."
            );
        }

        services
            .AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.Section)
            .Validate(
                o => o.IsValid,
                "Database: the keepalive times must be at least 1 s, KeepaliveCount and TcpUserTimeout positive."
            )
            .ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var builder = new NpgsqlDataSourceBuilder(connectionString);
            builder.ConnectionStringBuilder.ApplicationName ??= "socialcare-hub";
            sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ApplyTo(builder.ConnectionStringBuilder);
            // The hot paths run the same few statements thousands of times: prepare them once per connection
            // instead of having PostgreSQL parse and plan each one every time (unless configured otherwise).
            if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
            {
                builder.ConnectionStringBuilder.MaxAutoPrepare = 100;
                builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
            }

            // Pooled connections are used only for statements and transactions, which end before the connection goes
            // back; no request leaves session state behind (see SessionConnections), so skip the reset round.
            builder.ConnectionStringBuilder.NoResetOnClose = true;
            return builder.Build();
        });
        services.AddSingleton(sp =>
        {
            var builder = new NpgsqlDataSourceBuilder(connectionString);
            builder.ConnectionStringBuilder.ApplicationName ??= "socialcare-hub";
            sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ApplyTo(builder.ConnectionStringBuilder);
            builder.ConnectionStringBuilder.MaxAutoPrepare = Math.Max(
                builder.ConnectionStringBuilder.MaxAutoPrepare,
                20
            );
            builder.ConnectionStringBuilder.NoResetOnClose = true;
            // The lease's plan depends on how many deliveries wait: a generic plan cached while the table was small
            // kept scanning it whole once it was not. Plan each execution for its own parameters (about half a
            // millisecond).
            builder.ConnectionStringBuilder.Options = (
                $"{builder.ConnectionStringBuilder.Options} -c synchronous_commit=off"
                + " -c plan_cache_mode=force_custom_plan"
            ).Trim();
            return new RelaxedCommits(builder.Build());
        });
        services.AddSingleton(sp =>
        {
            var builder = new NpgsqlDataSourceBuilder(connectionString);
            builder.ConnectionStringBuilder.ApplicationName ??= "socialcare-hub";
            sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ApplyTo(builder.ConnectionStringBuilder);
            builder.ConnectionStringBuilder.Pooling = false;
            return new SessionConnections(builder.Build());
        });
        services.AddHostedService<MigrationHostedService>();
        services.AddSingleton<Caching.CacheInvalidation>();
        services.AddHostedService(sp => sp.GetRequiredService<Caching.CacheInvalidation>());
        return services;
    }
}
