namespace SocialCare.Contracts;

/// <summary>What a team's events carry: its name (which conversations are assigned by), its brands and what it does.</summary>
public abstract record TeamEvent : HubEvent
{
    /// <summary>The team's id.</summary>
    public Guid TeamId { get; init; }

    /// <summary>The team's name: what <c>assign</c> names, unique in the workspace ignoring case.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The brands whose conversations the team takes; null for every brand.</summary>
    public IReadOnlyList<string>? Brands { get; init; }

    /// <summary>What the team does, for people.</summary>
    public string? Description { get; init; }
}

/// <summary>A team was created: conversations of its brands can be assigned to it.</summary>
[EventType(EventTypes.TeamCreated)]
public sealed record TeamCreated : TeamEvent;

/// <summary>A team was renamed, or its brands or description changed. Conversations already assigned keep the name
/// they were assigned with.</summary>
[EventType(EventTypes.TeamUpdated)]
public sealed record TeamUpdated : TeamEvent;

/// <summary>A team was deleted: conversations can no longer be assigned to it; those assigned keep the name.</summary>
[EventType(EventTypes.TeamDeleted)]
public sealed record TeamDeleted : TeamEvent;
