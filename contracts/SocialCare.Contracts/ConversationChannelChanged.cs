namespace SocialCare.Contracts;

/// <summary>The conversation continues on another channel account — a hand-off, seamlessly one conversation.</summary>
[EventType(EventTypes.ConversationChannelChanged)]
public sealed record ConversationChannelChanged : HubEvent
{
    public Guid FromChannelId { get; init; }
    public string FromChannelType { get; init; } = string.Empty;
    public Guid ToChannelId { get; init; }
    public string ToChannelType { get; init; } = string.Empty;
}
