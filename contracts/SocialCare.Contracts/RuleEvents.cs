using System.Text.Json;

namespace SocialCare.Contracts;

/// <summary>One condition of a triage rule: a field of the engagement, the conversation or the customer's context,
/// an operator, and the value to compare with.</summary>
/// <param name="Field">What to look at: <c>brand</c>, <c>channel.type</c>, <c>text</c>, <c>author.followers</c>,
/// <c>metadata.&lt;path&gt;</c>, <c>customer.context.&lt;namespace&gt;.&lt;key&gt;</c>, <c>conversation.tags</c>,
/// <c>withinBusinessHours</c>, … (docs/workflow.md lists them).</param>
/// <param name="Op">How to compare: <c>eq</c>, <c>neq</c>, <c>in</c>, <c>notIn</c>, <c>contains</c>,
/// <c>containsAny</c>, <c>notContains</c>, <c>matches</c>, <c>gt</c>, <c>gte</c>, <c>lt</c>, <c>lte</c> or
/// <c>exists</c>.</param>
/// <param name="Value">What to compare with: a string, number or boolean, a list of them for <c>in</c>,
/// <c>notIn</c> and <c>containsAny</c>, a regular expression for <c>matches</c>, true or false for
/// <c>exists</c>.</param>
public sealed record RuleCondition(string Field, [KnownValues(typeof(RuleOperators))] string Op, JsonElement Value);

/// <summary>The operators of rule conditions.</summary>
public static class RuleOperators
{
    public static IReadOnlyList<string> All { get; } =
    [
        "eq",
        "neq",
        "in",
        "notIn",
        "contains",
        "containsAny",
        "notContains",
        "matches",
        "gt",
        "gte",
        "lt",
        "lte",
        "exists",
    ];
}

/// <summary>When a rule matches: every condition of <c>all</c>, and at least one of <c>any</c> when it has
/// some.</summary>
/// <param name="All">Conditions that must all hold.</param>
/// <param name="Any">Conditions of which one must hold; empty for none.</param>
public sealed record RuleConditions(IReadOnlyList<RuleCondition> All, IReadOnlyList<RuleCondition> Any);

/// <summary>
/// One action of a triage rule; <c>type</c> says which, and which of the other fields it reads: <c>setPriority</c>
/// (<c>level</c>, <c>reason</c>), <c>addTags</c> and <c>removeTags</c> (<c>tags</c>), <c>assign</c> (<c>team</c>,
/// <c>agent</c>), <c>applySla</c> (<c>policyId</c>), <c>acknowledge</c>, <c>reply</c> (<c>texts</c> per language,
/// <c>fallback</c>, <c>visibility</c>), <c>requestFeedback</c> (<c>survey</c>, and <c>texts</c>, <c>fallback</c> and
/// <c>visibility</c> as <c>reply</c>; only on <c>conversation.resolved</c>).
/// </summary>
/// <param name="Type">What the action does.</param>
/// <param name="Level">For <c>setPriority</c>: <c>low</c>, <c>normal</c>, <c>high</c> or <c>urgent</c>.</param>
/// <param name="Reason">For <c>setPriority</c>: why, recorded on the change; the rule's name when absent.</param>
/// <param name="Tags">For <c>addTags</c> and <c>removeTags</c>: the tags.</param>
/// <param name="Team">For <c>assign</c>: the team (once the workspace has teams, one of them).</param>
/// <param name="Agent">For <c>assign</c>: the agent.</param>
/// <param name="PolicyId">For <c>applySla</c>: the SLA policy to apply.</param>
/// <param name="Texts">For <c>reply</c>: the text per language (BCP 47 tag); placeholders <c>{brand}</c>,
/// <c>{customer.name}</c>, <c>{nextOpening.time}</c> and <c>{nextOpening.date}</c> (the brand's next opening, in its
/// time zone).</param>
/// <param name="Fallback">For <c>reply</c>: the language to use when the customer's is not in <c>texts</c>.</param>
/// <param name="Visibility">For <c>reply</c>: <c>public</c> or <c>private</c>; absent, as the customer last
/// wrote.</param>
/// <param name="Survey">For <c>requestFeedback</c>: the survey the text asks for, <c>csat</c>, <c>nes</c>,
/// <c>ces</c> or <c>nps</c>; the reply carries it, and the answer comes back as
/// <c>conversation.feedback_received</c>.</param>
public sealed record RuleAction(
    [KnownValues(typeof(RuleActionTypes))] string Type,
    [KnownValues(typeof(PriorityLevels))] string? Level = null,
    string? Reason = null,
    IReadOnlyList<string>? Tags = null,
    string? Team = null,
    string? Agent = null,
    Guid? PolicyId = null,
    IReadOnlyDictionary<string, string>? Texts = null,
    string? Fallback = null,
    [KnownValues(typeof(Visibilities))] string? Visibility = null,
    [KnownValues(typeof(FeedbackKinds))] string? Survey = null
);

/// <summary>What rule actions do.</summary>
public static class RuleActionTypes
{
    public const string SetPriority = "setPriority";
    public const string AddTags = "addTags";
    public const string RemoveTags = "removeTags";
    public const string Assign = "assign";
    public const string ApplySla = "applySla";
    public const string Acknowledge = "acknowledge";
    public const string Reply = "reply";

    /// <summary>After resolution, a reply that asks the customer for feedback on a survey's scale.</summary>
    public const string RequestFeedback = "requestFeedback";

    public static IReadOnlyList<string> All { get; } =
    [SetPriority, AddTags, RemoveTags, Assign, ApplySla, Acknowledge, Reply, RequestFeedback];
}

/// <summary>The events a rule can run on.</summary>
public static class RuleTriggers
{
    public static IReadOnlyList<string> All { get; } =
    [
        EventTypes.EngagementReceived,
        EventTypes.ConversationOpened,
        EventTypes.ConversationReopened,
        EventTypes.ConversationContextUpdated,
        EventTypes.ConversationLinked,
        EventTypes.ConversationResolved,
    ];
}

/// <summary>What a triage rule's events carry: the whole rule.</summary>
public abstract record RuleEvent : HubEvent
{
    /// <summary>The rule's id.</summary>
    public Guid RuleId { get; init; }

    /// <summary>The rule's name: the actor name of the events it causes.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Whether the rule runs.</summary>
    public bool Enabled { get; init; }

    /// <summary>Where the rule runs among the workspace's rules of its trigger: lower first.</summary>
    public int Order { get; init; }

    /// <summary>The brands whose conversations the rule runs on; null for every brand.</summary>
    public IReadOnlyList<string>? Brands { get; init; }

    /// <summary>The event type the rule runs on.</summary>
    [KnownValues(typeof(RuleTriggers))]
    public string Trigger { get; init; } = EventTypes.EngagementReceived;

    /// <summary>When the rule matches.</summary>
    public RuleConditions Conditions { get; init; } = new([], []);

    /// <summary>What it does when it matches, in order.</summary>
    public IReadOnlyList<RuleAction> Actions { get; init; } = [];

    /// <summary>Whether the workspace's later rules are skipped for the event once this one matched.</summary>
    public bool StopProcessing { get; init; }
}

/// <summary>A triage rule was created.</summary>
[EventType(EventTypes.RuleCreated)]
public sealed record RuleCreated : RuleEvent;

/// <summary>A triage rule was replaced (also to turn it off or on).</summary>
[EventType(EventTypes.RuleUpdated)]
public sealed record RuleUpdated : RuleEvent;

/// <summary>A triage rule was deleted.</summary>
[EventType(EventTypes.RuleDeleted)]
public sealed record RuleDeleted : RuleEvent;
