namespace SocialCare.Api.Subscriptions;

/// <summary>What a subscription's filters look at, taken from the event and its conversation at fan-out time.</summary>
public sealed record EventFacts(string Type, string? Brand, IReadOnlyList<string> ChannelTypes, IReadOnlyList<string> Tags, string? Priority);

/// <summary>Whether a subscription wants an event: its type (exact, family.* or *) and every filter it sets.</summary>
public static class EventMatcher
{
    private static readonly string[] Priorities = ["low", "normal", "high", "urgent"];

    public static bool Matches(IReadOnlyList<string> eventTypes, SubscriptionFilters filters, EventFacts e) =>
        TypeMatches(eventTypes, e.Type)
        && (filters.Brands is not { Count: > 0 } brands || (e.Brand is not null && brands.Contains(e.Brand, StringComparer.Ordinal)))
        && (filters.ChannelTypes is not { Count: > 0 } channels || e.ChannelTypes.Intersect(channels, StringComparer.Ordinal).Any())
        && (filters.Tags is not { Count: > 0 } tags || e.Tags.Intersect(tags.Select(Conversations.ConversationDecisions.NormaliseTag), StringComparer.Ordinal).Any())
        && (filters.MinPriority is not { } min || (e.Priority is not null && Array.IndexOf(Priorities, e.Priority) >= Array.IndexOf(Priorities, min)));

    public static bool TypeMatches(IReadOnlyList<string> patterns, string type) =>
        patterns.Any(p => p == "*" || p == type || (p.EndsWith(".*", StringComparison.Ordinal) && type.StartsWith(p[..^1], StringComparison.Ordinal)));
}
