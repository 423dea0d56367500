using Microsoft.Extensions.Options;
using Npgsql;

namespace SocialCare.Api.Idempotency;

/// <summary>
/// Deletes <c>Idempotency-Key</c> rows older than <see cref="IdempotencyOptions.KeyTtl"/> every <see
/// cref="IdempotencyOptions.CleanupInterval"/>, in batches. Rows are taken with SKIP LOCKED, so instances sweeping at
/// the same moment share the work instead of waiting on each other. An expired key is free whether or not this has run.
/// </summary>
internal sealed partial class IdempotencyKeySweeper(
    NpgsqlDataSource dataSource,
    IOptions<IdempotencyOptions> options,
    TimeProvider clock,
    ILogger<IdempotencyKeySweeper> logger
) : BackgroundService
{
    private const int BatchSize = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CleanupInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                while (await SweepAsync(stoppingToken) == BatchSize)
                {
                    // A full batch: more may have expired. Keep going until a batch comes back short.
                }
            }
            catch (NpgsqlException e)
            {
                LogSweepFailed(logger, e);
            }
        }
    }

    private async Task<int> SweepAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            delete from idempotency_keys where ctid = any(array(
                select ctid from idempotency_keys where created_at <= now() - $1 order by created_at limit {BatchSize}
                    for update skip locked))
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = options.Value.KeyTtl });
        return await command.ExecuteNonQueryAsync(ct);
    }

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Deleting expired idempotency keys failed; the next sweep retries"
    )]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
