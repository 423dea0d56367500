using Npgsql;

namespace SocialCare.Api.Infrastructure.Database;

/// <summary>
/// Pooled connections whose commits do not wait for the WAL to reach the disk (<c>synchronous_commit = off</c>), for
/// bookkeeping that a crash may lose without breaking a promise: a webhook delivery's lease and its successful
/// attempts. Lost, they only mean the delivery is sent again, which at-least-once delivery allows (receivers dedupe on
/// <c>webhook-id</c>). Never for anything accepted from a caller, nor for events. Under webhook load the WAL flush was
/// what PostgreSQL waited on most.
/// </summary>
public sealed class RelaxedCommits(NpgsqlDataSource source) : IAsyncDisposable
{
    public NpgsqlDataSource Source => source;

    public ValueTask DisposeAsync() => source.DisposeAsync();
}
