namespace SocialCare.Contracts;

/// <summary>
/// A webhook delivery failed on every attempt of its retry schedule and is dead: <see cref="FailedEventId"/> did not
/// reach <see cref="SubscriptionId"/>. Redeliver it, or replay the subscription, once the endpoint is fixed. Never sent
/// to the subscription it is about.
/// </summary>
[EventType(EventTypes.WebhookDeliveryExhausted)]
public sealed record WebhookDeliveryExhausted : HubEvent
{
    public Guid SubscriptionId { get; init; }
    public Guid DeliveryId { get; init; }
    public Guid FailedEventId { get; init; }
    public string FailedEventType { get; init; } = "";
    public int Attempts { get; init; }
    public int? LastStatusCode { get; init; }
    public string? LastError { get; init; }
}
