namespace SocialCare.Contracts;

/// <summary>Tags were added and/or removed; <see cref="Tags"/> is the full set afterwards.</summary>
[EventType(EventTypes.ConversationTagged)]
public sealed record ConversationTagged : HubEvent
{
    public IReadOnlyList<string> Added { get; init; } = [];
    public IReadOnlyList<string> Removed { get; init; } = [];
    public IReadOnlyList<string> Tags { get; init; } = [];
}
