using System.Text.Json;
using Npgsql;
using SocialCare.Api.EventLog;
using SocialCare.Api.Infrastructure.Caching;
using SocialCare.Api.Infrastructure.Secrets;

namespace SocialCare.Api.Webhooks;

/// <summary>What the fan-out needs of a live subscription: what it selects, and where and how to send it at
/// once.</summary>
public sealed record SubscriptionTarget(
    Guid Id,
    IReadOnlyList<string> EventTypes,
    SubscriptionFilters Filters,
    string Url,
    string Secret,
    string? PreviousSecret,
    DateTimeOffset? PreviousSecretExpiresAt,
    IReadOnlyList<string>? Brands,
    string Pii
)
{
    /// <summary>Whether matching needs the conversation's current channels, tags or priority.</summary>
    public bool FiltersOnConversation =>
        Filters.ChannelTypes is { Count: > 0 } || Filters.Tags is { Count: > 0 } || Filters.MinPriority is not null;
}

/// <summary>
/// Each workspace's enabled subscriptions, cached: the fan-out asks for every event, and a workspace without any (the
/// common case) then costs no query at all. Any change to the subscriptions table empties the cache on every instance.
/// </summary>
public sealed class SubscriptionTargets(
    NpgsqlDataSource dataSource,
    CacheInvalidation invalidation,
    TimeProvider clock,
    SecretCipher cipher
)
{
    public const string CacheScope = "subscriptions";
    private readonly ReadThroughCache<Guid, List<SubscriptionTarget>> _cache = new(CacheScope, invalidation, clock);

    public async ValueTask<IReadOnlyList<SubscriptionTarget>> ForWorkspaceAsync(
        Guid workspaceId,
        CancellationToken ct
    ) => await _cache.GetAsync(workspaceId, LoadAsync, ct) ?? [];

    /// <summary>Called after this instance changed a subscription: its next event must not see the old list.</summary>
    public void Changed() => invalidation.Clear(CacheScope);

    private async Task<List<SubscriptionTarget>?> LoadAsync(Guid workspaceId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            select id, event_types, filters::text, url, secret, previous_secret, previous_secret_expires_at, brands, pii
            from subscriptions where workspace_id = $1 and enabled and deleted_at is null
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var targets = new List<SubscriptionTarget>();
        while (await reader.ReadAsync(ct))
        {
            var context = SubscriptionStore.SecretContext(reader.GetGuid(0));
            targets.Add(
                new SubscriptionTarget(
                    reader.GetGuid(0),
                    reader.GetFieldValue<string[]>(1),
                    JsonSerializer.Deserialize<SubscriptionFilters>(reader.GetString(2), EventTypeRegistry.Json)!,
                    reader.GetString(3),
                    cipher.Unprotect(reader.GetString(4), context),
                    reader.IsDBNull(5) ? null : cipher.Unprotect(reader.GetString(5), context),
                    reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                    reader.IsDBNull(7) ? null : reader.GetFieldValue<string[]>(7),
                    reader.GetString(8)
                )
            );
        }

        return targets;
    }
}
