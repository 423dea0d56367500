namespace SocialCare.Contracts;

/// <summary>A claim ended: <see cref="Reason"/> is <c>released</c> (by its holder), <c>expired</c> or
/// <c>resolved</c>.</summary>
[EventType(EventTypes.ConversationReleased)]
public sealed record ConversationReleased : HubEvent
{
    /// <summary>The app that held the claim.</summary>
    public string App { get; init; } = string.Empty;
    public string Reason { get; init; } = "released";
}
