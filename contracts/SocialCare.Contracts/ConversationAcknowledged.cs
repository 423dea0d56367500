namespace SocialCare.Contracts;

/// <summary>Step one of "acknowledge, then resolve": someone told the customer they are on it.</summary>
[EventType(EventTypes.ConversationAcknowledged)]
public sealed record ConversationAcknowledged : HubEvent
{
    public DateTimeOffset AcknowledgedAt { get; init; }

    /// <summary>From the start of the episode (the opening, or the latest reopening) to this acknowledgement, in
    /// seconds.</summary>
    public double TimeToAcknowledgeSeconds { get; init; }
}
