using SocialCare.Contracts;

namespace SocialCare.Api.Webhooks;

/// <summary>
/// What a subscription's filters look at, taken from the event and its conversation at fan-out time, and which
/// subscription the event is about, if any (see <see cref="EventMatcher.SubscriptionOf"/>). For events without a brand,
/// what decides whether a brand-limited subscription may have them: the brands of the customer's conversations (<see
/// cref="CustomerBrands"/>), or the brands of the subscription the event is about (<see
/// cref="AboutSubscriptionBrands"/>); both are read only when a brand-limited subscription wants the event.
/// </summary>
public sealed record EventFacts(
    string Type,
    string? Brand,
    IReadOnlyList<string> ChannelTypes,
    IReadOnlyList<string> Tags,
    string? Priority,
    Guid? AboutSubscription = null,
    IReadOnlyList<string>? CustomerBrands = null,
    IReadOnlyList<string>? AboutSubscriptionBrands = null
)
{
    /// <summary>The facts the event itself carries; the conversation's channels, tags and priority are added when a
    /// filter needs them.</summary>
    public static EventFacts Of(HubEvent e, string type) =>
        new(type, e.Brand, [], [], null, EventMatcher.SubscriptionOf(e));

    /// <summary>A customer event without a brand: whether a brand-limited subscription needs the customer's brands to
    /// decide.</summary>
    public bool IsBrandlessCustomerEvent => Brand is null && Type.StartsWith("customer.", StringComparison.Ordinal);
}

/// <summary>
/// Whether a subscription wants an event: its brands, its type (exact, family.* or *) and every filter it sets — and
/// never an event about the subscription itself (its own exhausted delivery, its own disabling), which would only feed
/// a dead endpoint.
/// </summary>
public static class EventMatcher
{
    private static readonly string[] Priorities = ["low", "normal", "high", "urgent"];

    /// <summary>The subscription an event is about: its delivery was exhausted, or it was disabled.</summary>
    public static Guid? SubscriptionOf(HubEvent e) =>
        e switch
        {
            WebhookDeliveryExhausted x => x.SubscriptionId,
            SubscriptionDisabled x => x.SubscriptionId,
            _ => null,
        };

    public static bool Matches(
        Guid subscriptionId,
        IReadOnlyList<string>? brands,
        IReadOnlyList<string> eventTypes,
        SubscriptionFilters filters,
        EventFacts e
    ) =>
        e.AboutSubscription != subscriptionId
        && TypeMatches(eventTypes, e.Type)
        && WithinBrands(brands, e)
        && (
            filters.Brands is not { Count: > 0 } filtered
            || (e.Brand is not null && filtered.Contains(e.Brand, StringComparer.Ordinal))
        )
        && (
            filters.ChannelTypes is not { Count: > 0 } channels
            || e.ChannelTypes.Intersect(channels, StringComparer.Ordinal).Any()
        )
        && (
            filters.Tags is not { Count: > 0 } tags
            || e.Tags.Intersect(tags.Select(Conversations.ConversationDecisions.NormaliseTag), StringComparer.Ordinal)
                .Any()
        )
        && (
            filters.MinPriority is not { } min
            || (e.Priority is not null && Array.IndexOf(Priorities, e.Priority) >= Array.IndexOf(Priorities, min))
        );

    /// <summary>
    /// Whether a subscription limited to <paramref name="brands"/> (null: every brand) may receive the event: one of
    /// its brands, or — without a brand — only what a key with those brands could read anyway (docs/webhooks.md):
    /// <list type="bullet">
    /// <item><c>customer.merged</c> lists every conversation it moved, so only when all of the customer's conversations
    /// are of these brands;</item>
    /// <item>other customer events (an identity linked) when the customer has a conversation of these brands;</item>
    /// <item>events about a subscription (<c>webhook.delivery_exhausted</c>, <c>subscription.disabled</c>) when that
    /// subscription's brands lie within these;</item>
    /// <item>nothing else.</item>
    /// </list>
    /// </summary>
    public static bool WithinBrands(IReadOnlyList<string>? brands, EventFacts e)
    {
        if (brands is null)
        {
            return true;
        }

        bool Within(string brand) => brands.Contains(brand, StringComparer.Ordinal);
        return e switch
        {
            { Brand: { } brand } => Within(brand),
            { IsBrandlessCustomerEvent: true } when e.Type == CustomerMergedType => e.CustomerBrands
                is { Count: > 0 } all
                && all.All(Within),
            { IsBrandlessCustomerEvent: true } => e.CustomerBrands?.Any(Within) == true,
            { AboutSubscription: not null } => e.AboutSubscriptionBrands is { Count: > 0 } about && about.All(Within),
            _ => false,
        };
    }

    private static readonly string CustomerMergedType = EventLog.EventTypeRegistry.NameOf(typeof(CustomerMerged));

    public static bool TypeMatches(IReadOnlyList<string> patterns, string type) =>
        patterns.Any(p =>
            p == "*"
            || p == type
            || (p.EndsWith(".*", StringComparison.Ordinal) && type.StartsWith(p[..^1], StringComparison.Ordinal))
        );
}
