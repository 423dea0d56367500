using Npgsql;
using Polly;
using Polly.Retry;

namespace SocialCare.Api.Infrastructure.Database;

/// <summary>
/// Migrates the schema before the server takes requests (hosted services start before Kestrel). PostgreSQL may still be
/// starting (docker compose, a failover): transient connection failures are retried for about half a minute before the
/// hub gives up and exits.
/// </summary>
internal sealed partial class MigrationHostedService(
    NpgsqlDataSource dataSource,
    ILogger<MigrationHostedService> logger
) : IHostedService
{
    private static readonly ResiliencePipeline Startup = new ResiliencePipelineBuilder()
        .AddRetry(
            new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(e => e.IsTransient),
                MaxRetryAttempts = 15,
                Delay = TimeSpan.FromSeconds(1),
                BackoffType = DelayBackoffType.Constant,
            }
        )
        .Build();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var applied = await Startup.ExecuteAsync(
            async token => await Migrator.MigrateAsync(dataSource, token),
            cancellationToken
        );
        LogMigrated(logger, applied.Count, Migrator.Scripts.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Database schema up to date: {Applied} migration(s) applied now, {Total} known"
    )]
    private static partial void LogMigrated(ILogger logger, int applied, int total);
}
