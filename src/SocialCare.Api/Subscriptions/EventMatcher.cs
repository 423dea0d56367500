using SocialCare.Contracts;

namespace SocialCare.Api.Subscriptions;

/// <summary>
/// What a subscription's filters look at, taken from the event and its conversation at fan-out time, and which
/// subscription the event is about, if any (see <see cref="EventMatcher.SubscriptionOf"/>).
/// </summary>
public sealed record EventFacts(string Type, string? Brand, IReadOnlyList<string> ChannelTypes, IReadOnlyList<string> Tags, string? Priority,
    Guid? AboutSubscription = null)
{
    /// <summary>The facts the event itself carries; the conversation's channels, tags and priority are added when a filter needs them.</summary>
    public static EventFacts Of(HubEvent e, string type) => new(type, e.Brand, [], [], null, EventMatcher.SubscriptionOf(e));
}

/// <summary>
/// Whether a subscription wants an event: its type (exact, family.* or *) and every filter it sets — and never an event
/// about the subscription itself (its own exhausted delivery, its own disabling), which would only feed a dead endpoint.
/// </summary>
public static class EventMatcher
{
    private static readonly string[] Priorities = ["low", "normal", "high", "urgent"];

    /// <summary>The subscription an event is about: its delivery was exhausted, or it was disabled.</summary>
    public static Guid? SubscriptionOf(HubEvent e) => e switch
    {
        WebhookDeliveryExhausted x => x.SubscriptionId,
        SubscriptionDisabled x => x.SubscriptionId,
        _ => null,
    };

    public static bool Matches(Guid subscriptionId, IReadOnlyList<string> eventTypes, SubscriptionFilters filters, EventFacts e) =>
        e.AboutSubscription != subscriptionId
        && TypeMatches(eventTypes, e.Type)
        && (filters.Brands is not { Count: > 0 } brands || (e.Brand is not null && brands.Contains(e.Brand, StringComparer.Ordinal)))
        && (filters.ChannelTypes is not { Count: > 0 } channels || e.ChannelTypes.Intersect(channels, StringComparer.Ordinal).Any())
        && (filters.Tags is not { Count: > 0 } tags || e.Tags.Intersect(tags.Select(Conversations.ConversationDecisions.NormaliseTag), StringComparer.Ordinal).Any())
        && (filters.MinPriority is not { } min || (e.Priority is not null && Array.IndexOf(Priorities, e.Priority) >= Array.IndexOf(Priorities, min)));

    public static bool TypeMatches(IReadOnlyList<string> patterns, string type) =>
        patterns.Any(p => p == "*" || p == type || (p.EndsWith(".*", StringComparison.Ordinal) && type.StartsWith(p[..^1], StringComparison.Ordinal)));
}
