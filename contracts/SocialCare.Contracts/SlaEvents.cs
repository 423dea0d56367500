namespace SocialCare.Contracts;

/// <summary>The targets of an SLA policy, as its clocks and events name them.</summary>
public static class SlaTargets
{
    public const string FirstResponse = "firstResponse";
    public const string NextResponse = "nextResponse";
    public const string Resolution = "resolution";

    public static IReadOnlyList<string> All { get; } = [FirstResponse, NextResponse, Resolution];
}

/// <summary>One running SLA clock: which target, when it started, when it warns and when it falls due.</summary>
/// <param name="Target"><c>firstResponse</c>, <c>nextResponse</c> or <c>resolution</c>.</param>
/// <param name="StartedAt">When the clock started: the episode's start, or the customer message awaiting an
/// answer.</param>
/// <param name="WarnAt">When <c>sla.warning</c> is due; null without a warning, or when the calendar holds no such
/// time.</param>
/// <param name="DueAt">When the target is breached unless met; null when the calendar holds no such time within two
/// years.</param>
public sealed record SlaClock(
    [KnownValues(typeof(SlaTargets))] string Target,
    DateTimeOffset StartedAt,
    DateTimeOffset? WarnAt,
    DateTimeOffset? DueAt
);

/// <summary>An SLA policy now governs the conversation's episode: its clocks, computed on the brand's calendar when
/// the policy asks for business hours only. A policy applied in place of another replaces its running
/// clocks.</summary>
[EventType(EventTypes.SlaApplied)]
public sealed record SlaApplied : HubEvent
{
    /// <summary>The policy applied.</summary>
    public Guid PolicyId { get; init; }

    /// <summary>The policy's name when it was applied.</summary>
    public string PolicyName { get; init; } = string.Empty;

    /// <summary>The episode (1 for the first opening, +1 per reopening) the clocks belong to.</summary>
    public int Episode { get; init; }

    /// <summary>What applied it: <c>brand</c> (the brand's default) or <c>rule</c>.</summary>
    [KnownValues(typeof(SlaSources))]
    public string Source { get; init; } = SlaSources.Brand;

    /// <summary>Whether the clocks run only inside the brand's business hours.</summary>
    public bool BusinessHoursOnly { get; init; }

    /// <summary>The policy this one replaced on the conversation; null if none.</summary>
    public Guid? ReplacedPolicyId { get; init; }

    /// <summary>The clocks started, one per target the policy has and the episode still runs.</summary>
    public IReadOnlyList<SlaClock> Clocks { get; init; } = [];
}

/// <summary>What applies an SLA policy to a conversation.</summary>
public static class SlaSources
{
    public const string Brand = "brand";
    public const string Rule = "rule";

    public static IReadOnlyList<string> All { get; } = [Brand, Rule];
}

/// <summary>What the events of one SLA clock carry.</summary>
public abstract record SlaClockEvent : HubEvent
{
    /// <summary>The policy the clock belongs to.</summary>
    public Guid PolicyId { get; init; }

    /// <summary>The policy's name when it was applied.</summary>
    public string PolicyName { get; init; } = string.Empty;

    /// <summary>The episode the clock belongs to.</summary>
    public int Episode { get; init; }

    /// <summary><c>firstResponse</c>, <c>nextResponse</c> or <c>resolution</c>.</summary>
    [KnownValues(typeof(SlaTargets))]
    public string Target { get; init; } = SlaTargets.FirstResponse;

    /// <summary>When the clock started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>When the target falls due; null when the calendar holds no such time within two years.</summary>
    public DateTimeOffset? DueAt { get; init; }
}

/// <summary>A customer message that followed a response started the "keep them informed" clock: the next response is
/// due by <c>dueAt</c>.</summary>
[EventType(EventTypes.SlaStarted)]
public sealed record SlaStarted : SlaClockEvent
{
    /// <summary>When <c>sla.warning</c> is due; null without a warning.</summary>
    public DateTimeOffset? WarnAt { get; init; }
}

/// <summary>A target falls due soon (the policy's <c>warnBefore</c>) and is not met yet.</summary>
[EventType(EventTypes.SlaWarning)]
public sealed record SlaWarning : SlaClockEvent
{
    /// <summary>Seconds from the warning to <c>dueAt</c>, in clock time.</summary>
    public double RemainingSeconds { get; init; }
}

/// <summary>A target fell due before it was met. Its clock stops; a later response or resolution is recorded on the
/// conversation, not as <c>sla.met</c>.</summary>
[EventType(EventTypes.SlaBreached)]
public sealed record SlaBreached : SlaClockEvent;

/// <summary>A target was met in time: a response by a person or department app (or by a rule, if the policy counts
/// automatic replies), or the resolution.</summary>
[EventType(EventTypes.SlaMet)]
public sealed record SlaMet : SlaClockEvent
{
    /// <summary>When it was met.</summary>
    public DateTimeOffset MetAt { get; init; }

    /// <summary>Seconds from <c>startedAt</c> to <c>metAt</c>, in clock time.</summary>
    public double ElapsedSeconds { get; init; }

    /// <summary>The reply that met a response target; null for the resolution.</summary>
    public Guid? ReplyId { get; init; }
}
