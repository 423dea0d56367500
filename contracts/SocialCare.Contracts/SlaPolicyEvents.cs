namespace SocialCare.Contracts;

/// <summary>What an SLA policy's events carry: its targets as ISO 8601 durations (each may be absent), whether its
/// clocks run only in the brand's business hours, when to warn, and whether automatic replies count as
/// responses.</summary>
public abstract record SlaPolicyEvent : HubEvent
{
    /// <summary>The policy's id.</summary>
    public Guid PolicyId { get; init; }

    /// <summary>The policy's name, for people.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Time to the first response of each episode (<c>PT1H</c>); null for no such target.</summary>
    public string? FirstResponse { get; init; }

    /// <summary>Time to answer each customer message that follows a response (<c>PT4H</c>); null for no such
    /// target.</summary>
    public string? NextResponse { get; init; }

    /// <summary>Time from the start of each episode to its resolution (<c>P1D</c>); null for no such target.</summary>
    public string? Resolution { get; init; }

    /// <summary>Whether clocks run only inside the brand's business hours, in its time zone.</summary>
    public bool BusinessHoursOnly { get; init; }

    /// <summary>How long before a target falls due <c>sla.warning</c> is sent (<c>PT10M</c>); null for no
    /// warning.</summary>
    public string? WarnBefore { get; init; }

    /// <summary>Whether a rule's automatic reply counts as a response; by default only people and department apps
    /// respond.</summary>
    public bool CountAutomaticReplies { get; init; }
}

/// <summary>An SLA policy was created: rules and brands can apply it.</summary>
[EventType(EventTypes.SlaPolicyCreated)]
public sealed record SlaPolicyCreated : SlaPolicyEvent;

/// <summary>An SLA policy changed. Clocks already running keep the targets they started with; the next episode or
/// application uses the new ones.</summary>
[EventType(EventTypes.SlaPolicyUpdated)]
public sealed record SlaPolicyUpdated : SlaPolicyEvent;

/// <summary>An SLA policy was deleted: nothing applies it any more; clocks already running finish as they
/// started.</summary>
[EventType(EventTypes.SlaPolicyDeleted)]
public sealed record SlaPolicyDeleted : SlaPolicyEvent;
