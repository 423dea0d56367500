namespace SocialCare.Contracts;

/// <summary>Step one of "acknowledge, then resolve": someone told the customer they are on it.</summary>
[EventType(EventTypes.ConversationAcknowledged)]
public sealed record ConversationAcknowledged : HubEvent
{
    public DateTimeOffset AcknowledgedAt { get; init; }

    /// <summary>From the conversation's opening to this acknowledgement, in seconds.</summary>
    public double TimeToAcknowledgeSeconds { get; init; }
}
