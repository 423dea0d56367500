namespace SocialCare.Contracts;

/// <summary>The conversation moved to a team and/or agent; both null means it was unassigned.</summary>
[EventType(EventTypes.ConversationAssigned)]
public sealed record ConversationAssigned : HubEvent
{
    public string? Team { get; init; }
    public string? Agent { get; init; }
    public string? PreviousTeam { get; init; }
    public string? PreviousAgent { get; init; }
}
