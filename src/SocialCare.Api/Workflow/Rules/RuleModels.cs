using System.Text.Json;
using FluentValidation;
using SocialCare.Api.Engagements;
using SocialCare.Api.Infrastructure.Validation;
using SocialCare.Contracts;

namespace SocialCare.Api.Workflow.Rules;

/// <summary>When a rule matches: every condition of <c>all</c>, and one of <c>any</c> when it lists some. Both empty
/// (or omitted): always.</summary>
public sealed record RuleConditionsRequest(List<RuleCondition>? All, List<RuleCondition>? Any);

/// <summary>
/// A triage rule: on <c>trigger</c>, for conversations of <c>brands</c> (omitted: every brand), when the conditions
/// hold, the actions run in order as the rule itself (actor <c>rule</c>). Rules of one trigger run in <c>order</c>
/// (then creation); <c>stopProcessing</c> skips the later ones once this one matched.
/// </summary>
public sealed record RuleRequest(
    string Name,
    bool? Enabled,
    int? Order,
    List<string>? Brands,
    string Trigger,
    RuleConditionsRequest? Conditions,
    List<RuleAction> Actions,
    bool? StopProcessing
);

/// <summary>A triage rule; <c>version</c> is also its ETag.</summary>
public sealed record RuleResponse(
    Guid Id,
    string Name,
    bool Enabled,
    int Order,
    IReadOnlyList<string>? Brands,
    [KnownValues(typeof(RuleTriggers))] string Trigger,
    RuleConditions Conditions,
    IReadOnlyList<RuleAction> Actions,
    bool StopProcessing,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt
);

/// <summary>
/// A dry run: which of the workspace's enabled rules of <c>trigger</c> would fire for <c>engagement</c> (on
/// <c>conversationId</c>, or on a new conversation), at <c>at</c> (default now), and what they would do. Nothing is
/// written. <c>rule</c> tries a rule that is not saved yet, alone.
/// </summary>
public sealed record RuleTestRequest(
    IngestEngagementRequest Engagement,
    Guid? ConversationId,
    string? Trigger,
    DateTimeOffset? At,
    RuleRequest? Rule
);

/// <summary>What one action would do: <c>applied</c> (with the events it would append), <c>unchanged</c> (the
/// conversation is already so), or <c>refused</c> (with the problem code the API would answer).</summary>
public sealed record RuleActionOutcome(
    [KnownValues(typeof(RuleActionTypes))] string Type,
    [KnownValues(typeof(RuleActionOutcomes))] string Outcome,
    IReadOnlyList<string> Events,
    string? Code,
    string? Detail,
    [Pii(PiiCategories.Content)] string? Text,
    string? Language
);

/// <summary>How an action came out.</summary>
public static class RuleActionOutcomes
{
    public const string Applied = "applied";
    public const string Unchanged = "unchanged";
    public const string Refused = "refused";

    public static IReadOnlyList<string> All { get; } = [Applied, Unchanged, Refused];
}

/// <summary>One condition's verdict in a dry run: what the field held (null: missing, or not shown to a key without
/// <c>pii:read</c>: it may be the customer's words) and whether it held.</summary>
public sealed record RuleConditionOutcome(
    string Field,
    string Op,
    JsonElement Value,
    [Pii(PiiCategories.FreeForm)] JsonElement? Actual,
    bool Passed,
    string? Note
);

/// <summary>One rule in a dry run: whether it matched, each condition's verdict, and what its actions would
/// do.</summary>
public sealed record RuleTestOutcome(
    Guid? RuleId,
    string Name,
    bool Matched,
    IReadOnlyList<RuleConditionOutcome> Conditions,
    IReadOnlyList<RuleActionOutcome> Actions
);

/// <summary>A dry run's answer, rules in the order they would run.</summary>
public sealed record RuleTestResponse(
    [KnownValues(typeof(RuleTriggers))] string Trigger,
    DateTimeOffset At,
    bool WithinBusinessHours,
    IReadOnlyList<RuleTestOutcome> Rules
);

internal sealed class RuleConditionValidator : AbstractValidator<RuleCondition>
{
    public RuleConditionValidator()
    {
        RuleFor(c => c.Field).NotEmpty().MaximumLength(200);
        RuleFor(c => c.Op).NotEmpty().OneOf(RuleOperators.All);
        RuleFor(c => c)
            .Must(c => c.Field is null || c.Op is null || RuleFields.Problem(c) is null)
            .WithName("value")
            .WithMessage((_, c) => RuleFields.Problem(c) ?? "");
    }
}

internal sealed class RuleActionValidator : AbstractValidator<RuleAction>
{
    public const int MaxTexts = 20;

    public RuleActionValidator()
    {
        RuleFor(a => a.Type).NotEmpty().OneOf(RuleActionTypes.All);
        RuleFor(a => a.Level)
            .NotEmpty()
            .When(a => a.Type == RuleActionTypes.SetPriority)
            .WithMessage("'setPriority' names a 'level'.");
        RuleFor(a => a.Level).OneOf(PriorityLevels.All);
        RuleFor(a => a.Reason).MaximumLength(500);
        RuleFor(a => a.Tags)
            .NotEmpty()
            .When(a => a.Type is RuleActionTypes.AddTags or RuleActionTypes.RemoveTags)
            .WithMessage("'addTags' and 'removeTags' list 'tags'.");
        RuleFor(a => a.Tags).MaxCount(20);
        RuleForEach(a => a.Tags).NotEmpty().MaximumLength(50);
        RuleFor(a => a)
            .Must(a => a.Type != RuleActionTypes.Assign || a.Team is not null || a.Agent is not null)
            .WithName("team")
            .WithMessage("'assign' names a 'team', an 'agent', or both.");
        RuleFor(a => a.Team).MaximumLength(200);
        RuleFor(a => a.Agent).MaximumLength(200);
        RuleFor(a => a.PolicyId)
            .NotEmpty()
            .When(a => a.Type == RuleActionTypes.ApplySla)
            .WithMessage("'applySla' names a 'policyId'.");
        RuleFor(a => a.Texts)
            .NotEmpty()
            .When(a => a.Type is RuleActionTypes.Reply or RuleActionTypes.RequestFeedback)
            .WithMessage("'reply' and 'requestFeedback' give 'texts': the text per language.");
        RuleFor(a => a.Survey)
            .NotEmpty()
            .When(a => a.Type == RuleActionTypes.RequestFeedback)
            .WithMessage("'requestFeedback' names its 'survey': csat, nes, ces or nps.");
        RuleFor(a => a.Survey).OneOf(FeedbackKinds.All);
        RuleFor(a => a.Texts).MaxCount(MaxTexts);
        RuleForEach(a => a.Texts)
            .Must(t => t.Key.Length is > 0 and <= 35 && t.Value is { Length: > 0 and <= 4096 })
            .WithMessage("Each text is keyed by a language tag (1 to 35 characters) and is 1 to 4,096 characters.");
        RuleFor(a => a)
            .Must(a => a.Fallback is null || (a.Texts?.ContainsKey(a.Fallback) ?? false))
            .WithName("fallback")
            .WithMessage("'fallback' is one of the languages of 'texts'.");
        RuleFor(a => a)
            .Must(a => a.Fallback is not null || a.Texts is not { Count: > 1 })
            .WithName("fallback")
            .WithMessage("With texts in more than one language, 'fallback' names the one to use for any other.");
        RuleFor(a => a.Visibility).OneOf(Visibilities.All);
    }
}

internal sealed class RuleRequestValidator : AbstractValidator<RuleRequest>
{
    public const int MaxConditions = 20;
    public const int MaxActions = 10;

    public RuleRequestValidator()
    {
        RuleFor(r => r.Name)
            .NotEmpty()
            .MaximumLength(200)
            .Must(n => n is null || n.Trim().Length > 0)
            .WithMessage("A rule's name is 1 to 200 characters.");
        RuleFor(r => r.Order).InclusiveBetween(-1_000_000, 1_000_000);
        RuleFor(r => r.Brands)
            .MaxCount(100)
            .Must(b => b is null || b.Count > 0)
            .WithMessage("'brands' lists 1 to 100 brands; omit it for every brand.");
        RuleForEach(r => r.Brands).NotEmpty().MaximumLength(200);
        RuleFor(r => r.Trigger).NotEmpty().OneOf(RuleTriggers.All);
        RuleFor(r => r.Conditions!.All).MaxCount(MaxConditions).When(r => r.Conditions is not null);
        RuleFor(r => r.Conditions!.Any).MaxCount(MaxConditions).When(r => r.Conditions is not null);
        RuleForEach(r => r.Conditions!.All)
            .NotNull()
            .SetValidator(new RuleConditionValidator())
            .When(r => r.Conditions is not null);
        RuleForEach(r => r.Conditions!.Any)
            .NotNull()
            .SetValidator(new RuleConditionValidator())
            .When(r => r.Conditions is not null);
        RuleFor(r => r.Actions).NotEmpty().MaxCount(MaxActions).WithMessage($"A rule has 1 to {MaxActions} actions.");
        RuleFor(r => r)
            .Must(r =>
                r.Trigger == EventTypes.ConversationResolved
                || r.Actions is null
                || r.Actions.All(a => a?.Type != RuleActionTypes.RequestFeedback)
            )
            .WithName("actions")
            .WithMessage("'requestFeedback' runs on the trigger conversation.resolved: surveys follow a resolution.");
        RuleForEach(r => r.Actions).NotNull().SetValidator(new RuleActionValidator());
    }
}

internal sealed class RuleTestRequestValidator : AbstractValidator<RuleTestRequest>
{
    public RuleTestRequestValidator(TimeProvider clock)
    {
        RuleFor(r => r.Engagement).NotNull().SetValidator(new IngestEngagementRequestValidator(clock));
        RuleFor(r => r.Trigger).OneOf(RuleTriggers.All);
        RuleFor(r => r.At)
            .Must(a => a is null || (a > clock.GetUtcNow().AddYears(-5) && a < clock.GetUtcNow().AddYears(1)))
            .WithMessage("'at' is within five years before now and one year after.");
        RuleFor(r => r.Rule!).SetValidator(new RuleRequestValidator()).When(r => r.Rule is not null);
    }
}
