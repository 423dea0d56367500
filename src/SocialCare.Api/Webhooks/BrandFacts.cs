using Npgsql;

namespace SocialCare.Api.Webhooks;

/// <summary>
/// Reads what decides whether a brand-limited subscription may have an event without a brand (see <see
/// cref="EventMatcher.WithinBrands"/>). Only such events need it, and only when a brand-limited subscription wants
/// them.
/// </summary>
internal static class BrandFacts
{
    public static async Task<EventFacts> AddAsync(
        NpgsqlDataSource dataSource,
        EventFacts facts,
        Guid workspaceId,
        Guid? customerId,
        CancellationToken ct
    )
    {
        if (facts.IsBrandlessCustomerEvent && customerId is { } customer)
        {
            await using var command = dataSource.CreateCommand(
                "select array(select distinct brand from conversations where workspace_id = $1 and customer_id = $2)"
            );
            command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
            command.Parameters.Add(new NpgsqlParameter { Value = customer });
            return facts with { CustomerBrands = (string[])(await command.ExecuteScalarAsync(ct))! };
        }

        if (facts is { Brand: null, AboutSubscription: { } about })
        {
            await using var command = dataSource.CreateCommand(
                "select brands from subscriptions where workspace_id = $1 and id = $2"
            );
            command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
            command.Parameters.Add(new NpgsqlParameter { Value = about });
            return facts with { AboutSubscriptionBrands = await command.ExecuteScalarAsync(ct) as string[] };
        }

        return facts;
    }
}
