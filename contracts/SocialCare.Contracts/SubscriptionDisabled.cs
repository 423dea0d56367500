namespace SocialCare.Contracts;

/// <summary>
/// The hub stopped delivering to a subscription: its endpoint answered 410 Gone, or kept failing for longer than the
/// configured period. Its pending deliveries wait; re-enabling it (PATCH <c>enabled: true</c>) resumes them. Never sent
/// to the subscription it is about.
/// </summary>
[EventType(EventTypes.SubscriptionDisabled)]
public sealed record SubscriptionDisabled : HubEvent
{
    public Guid SubscriptionId { get; init; }
    public string Url { get; init; } = "";
    public string Reason { get; init; } = "";
}
