using Npgsql;
using SocialCare.Api.Infrastructure.Caching;

namespace SocialCare.Api.Privacy;

/// <summary>
/// Each workspace's erased customers, cached for the webhook fan-out, which asks of every event with personal fields:
/// an event the relay published before its customer's erasure is delivered as the log now holds it. Erasures are rare,
/// so the common answer costs no query; an erasure empties the cache on every instance as it commits (migration 0036).
/// </summary>
public sealed class ErasedCustomers(NpgsqlDataSource dataSource, CacheInvalidation invalidation, TimeProvider clock)
{
    public const string CacheScope = "erased-customers";
    private readonly ReadThroughCache<Guid, HashSet<Guid>> _cache = new(CacheScope, invalidation, clock);

    public async ValueTask<bool> ContainsAsync(Guid workspaceId, Guid customerId, CancellationToken ct) =>
        (await _cache.GetAsync(workspaceId, LoadAsync, ct))?.Contains(customerId) == true;

    private async Task<HashSet<Guid>?> LoadAsync(Guid workspaceId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "select id from customers where workspace_id = $1 and erased_at is not null"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var erased = new HashSet<Guid>();
        while (await reader.ReadAsync(ct))
        {
            erased.Add(reader.GetGuid(0));
        }

        return erased;
    }
}
