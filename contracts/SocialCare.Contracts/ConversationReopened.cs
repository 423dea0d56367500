namespace SocialCare.Contracts;

/// <summary>A resolved conversation opened again, because the customer wrote within the reopen window (or an app
/// reopened it). It starts a new episode: the conversation is unacknowledged again, and the acknowledgement and
/// resolution times of the episode count from this event's <c>recordedAt</c>.</summary>
[EventType(EventTypes.ConversationReopened)]
public sealed record ConversationReopened : HubEvent
{
    public Guid? ChannelId { get; init; }
    public string? ChannelType { get; init; }
    public DateTimeOffset? PreviouslyResolvedAt { get; init; }
    public string Reason { get; init; } = "inbound";
}
