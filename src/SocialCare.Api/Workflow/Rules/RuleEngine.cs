using System.Globalization;
using SocialCare.Api.Conversations;
using SocialCare.Api.EventLog;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Api.Workflow.Sla;
using SocialCare.Api.Workflow.Teams;
using SocialCare.Contracts;

namespace SocialCare.Api.Workflow.Rules;

/// <summary>
/// What a rule's actions need beyond the conversation: the workspace's teams and SLA policies, where a reply would go,
/// how an SLA policy is applied, the brand's care settings and the customer's name. The workflow processor answers
/// them in its transaction; a dry run answers them without writing anything.
/// </summary>
public sealed record RuleEnvironment(
    Func<string, Task<TeamMatch>> Teams,
    Func<Guid, Task<SlaPolicyResponse?>> Policy,
    Func<ConversationState, Task<ReplyTarget?>> ReplyTarget,
    Func<ConversationState, SlaPolicyResponse, Task<SlaApplied?>> ApplySla,
    BrandCare Brand,
    string? CustomerName
);

/// <summary>A rule run on one trigger: whether it matched, each condition's verdict, each action's outcome, the
/// events its actions decided (not yet stamped) and the conversation as they leave it.</summary>
public sealed record RuleRun(
    bool Matched,
    IReadOnlyList<ConditionResult> Conditions,
    IReadOnlyList<RuleActionOutcome> Actions,
    IReadOnlyList<HubEvent> Events,
    ConversationState State
);

/// <summary>
/// Runs triage rules: matches the conditions on the facts of the trigger, then decides each action with the same
/// decisions the API's commands use (so a rule can do nothing a person could not), on the conversation as the earlier
/// actions and rules left it.
/// </summary>
public static class RuleEngine
{
    /// <summary>Whether <paramref name="rule"/> runs on <paramref name="trigger"/> for a conversation of <paramref
    /// name="brand"/>.</summary>
    public static bool Applies(RuleResponse rule, string trigger, string brand) =>
        rule.Trigger == trigger && (rule.Brands is null || rule.Brands.Contains(brand, StringComparer.Ordinal));

    /// <summary>Runs <paramref name="rule"/> on the trigger's facts; with <paramref name="explain"/> (a dry run) every
    /// condition is evaluated and reported, otherwise evaluation stops at the first that decides.</summary>
    public static async Task<RuleRun> RunAsync(
        RuleResponse rule,
        RuleFacts facts,
        RuleEnvironment environment,
        DateTimeOffset at,
        DateTimeOffset now,
        bool explain
    )
    {
        List<ConditionResult> all;
        List<ConditionResult> any;
        if (explain)
        {
            all = rule.Conditions.All.Select(c => RuleFields.Evaluate(c, facts)).ToList();
            any = rule.Conditions.Any.Select(c => RuleFields.Evaluate(c, facts)).ToList();
        }
        else
        {
            // Stops at the first condition that decides, as a run that explains nothing needs no more.
            all = [];
            foreach (var condition in rule.Conditions.All)
            {
                all.Add(RuleFields.Evaluate(condition, facts));
                if (!all[^1].Passed)
                {
                    break;
                }
            }

            any = [];
            foreach (var condition in all.All(c => c.Passed) ? rule.Conditions.Any : [])
            {
                any.Add(RuleFields.Evaluate(condition, facts));
                if (any[^1].Passed)
                {
                    break;
                }
            }
        }

        var matched =
            all.Count == rule.Conditions.All.Count
            && all.All(c => c.Passed)
            && (rule.Conditions.Any.Count == 0 || any.Any(c => c.Passed));
        var conditions = all.Concat(any).ToList();
        if (!matched)
        {
            return new RuleRun(false, conditions, [], [], facts.Conversation);
        }

        var actor = EventActor.OfRule(rule.Id, rule.Name);
        var state = facts.Conversation;
        var events = new List<HubEvent>();
        var outcomes = new List<RuleActionOutcome>();
        foreach (var action in rule.Actions)
        {
            var (decision, text, language) = await DecideAsync(rule, action, state, facts, environment, actor, at, now);
            outcomes.Add(
                new RuleActionOutcome(
                    action.Type,
                    decision.Rejected is not null ? RuleActionOutcomes.Refused
                        : decision.Events.Count == 0 ? RuleActionOutcomes.Unchanged
                        : RuleActionOutcomes.Applied,
                    decision.Events.Select(EventTypeRegistry.NameOf).ToList(),
                    decision.Rejected?.Code,
                    decision.Rejected?.Detail,
                    text,
                    language
                )
            );
            events.AddRange(decision.Events);
            state = After(state, decision.Events);
        }

        return new RuleRun(true, conditions, outcomes, events, state);
    }

    private static async Task<(Decision Decision, string? Text, string? Language)> DecideAsync(
        RuleResponse rule,
        RuleAction action,
        ConversationState state,
        RuleFacts facts,
        RuleEnvironment environment,
        EventActor actor,
        DateTimeOffset at,
        DateTimeOffset now
    )
    {
        switch (action.Type)
        {
            case RuleActionTypes.SetPriority:
                return (
                    ConversationDecisions.Prioritise(state, action.Level!, action.Reason ?? $"Rule: {rule.Name}"),
                    null,
                    null
                );
            case RuleActionTypes.AddTags:
                return (ConversationDecisions.Tag(state, action.Tags, null), null, null);
            case RuleActionTypes.RemoveTags:
                return (ConversationDecisions.Tag(state, null, action.Tags), null, null);
            case RuleActionTypes.Assign:
                var teams = action.Team is { } team ? await environment.Teams(team) : TeamMatch.None;
                var assigned = ConversationDecisions.Assign(state, action.Team, action.Agent, teams);
                return (assigned, null, null);
            case RuleActionTypes.Acknowledge:
                return (
                    state.AcknowledgedAt is null ? ConversationDecisions.Acknowledge(state, now) : Decision.Unchanged,
                    null,
                    null
                );
            case RuleActionTypes.ApplySla:
                if (state.IsResolved)
                {
                    return (
                        Decision.Refuse(
                            ProblemCodes.ConversationResolved,
                            "The conversation is resolved: its clocks start again when it reopens."
                        ),
                        null,
                        null
                    );
                }

                if (await environment.Policy(action.PolicyId!.Value) is not { } policy)
                {
                    return (
                        Decision.Refuse(
                            ProblemCodes.UnknownSlaPolicy,
                            $"There is no SLA policy {action.PolicyId} in this workspace any more."
                        ),
                        null,
                        null
                    );
                }

                return (
                    await environment.ApplySla(state, policy) is { } applied
                        ? Decision.Accept(applied)
                        : Decision.Unchanged,
                    null,
                    null
                );
            default:
                var (language, template) = Choose(action, facts, environment.Brand);
                var text = Render(template, state, environment, at);
                var target = await environment.ReplyTarget(state);
                var reply = ConversationDecisions.Reply(
                    state,
                    target,
                    actor,
                    new ReplyDraft(
                        text,
                        [],
                        action.Visibility,
                        Force: false,
                        Survey: action.Type == RuleActionTypes.RequestFeedback ? action.Survey : null
                    ),
                    now
                );
                return (reply, text, language);
        }
    }

    /// <summary>
    /// The text to send: in the customer's language (the engagement's, or its primary subtag), else in the first of
    /// the brand's languages the rule has, else the fallback, else the first text.
    /// </summary>
    public static (string Language, string Text) Choose(RuleAction action, RuleFacts facts, BrandCare brand)
    {
        var texts = action.Texts!;
        var wanted = new List<string>();
        if (facts.Engagement?.Language is { } language)
        {
            wanted.Add(language);
            wanted.Add(language.Split('-')[0]);
        }

        wanted.AddRange(brand.Languages);
        if (action.Fallback is { } fallback)
        {
            wanted.Add(fallback);
        }

        foreach (var tag in wanted)
        {
            var hit = texts.Keys.FirstOrDefault(k => string.Equals(k, tag, StringComparison.OrdinalIgnoreCase));
            if (hit is not null)
            {
                return (hit, texts[hit]);
            }
        }

        var first = texts.First();
        return (first.Key, first.Value);
    }

    /// <summary>The longest reply a rule sends, as the replies API takes them.</summary>
    public const int MaxReplyLength = 4096;

    /// <summary>
    /// The text with its placeholders filled in, at most <see cref="MaxReplyLength"/> characters. The customer's name
    /// is theirs to choose, and the reply may be public under the brand's account: it is cut to 64 characters, on one
    /// line, without the <c>@</c> and <c>#</c> that would mention or tag someone else.
    /// </summary>
    private static string Render(
        string template,
        ConversationState state,
        RuleEnvironment environment,
        DateTimeOffset at
    )
    {
        var calendar = environment.Brand.Calendar;
        var next = calendar.NextOpening(at) ?? at;
        var local = TimeZoneInfo.ConvertTime(next, calendar.Zone);
        var name = new string(
            (environment.CustomerName ?? "").Where(c => c is not ('@' or '#') && !char.IsControl(c)).Take(64).ToArray()
        ).Trim();
        var text = template
            .Replace("{brand}", environment.Brand.DisplayName ?? state.Brand, StringComparison.Ordinal)
            .Replace("{customer.name}", name, StringComparison.Ordinal)
            .Replace(
                "{nextOpening.time}",
                local.ToString("HH:mm", CultureInfo.InvariantCulture),
                StringComparison.Ordinal
            )
            .Replace(
                "{nextOpening.date}",
                local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                StringComparison.Ordinal
            );
        return text.Length <= MaxReplyLength ? text : text[..MaxReplyLength];
    }

    /// <summary>The conversation as <paramref name="events"/> leave it, for the next action and rule to decide
    /// on.</summary>
    public static ConversationState After(ConversationState state, IReadOnlyList<HubEvent> events)
    {
        foreach (var e in events)
        {
            state = e switch
            {
                ConversationPriorityChanged p => state with { Priority = p.Level },
                ConversationTagged t => state with { Tags = t.Tags },
                ConversationAssigned a => state with { Team = a.Team, Agent = a.Agent },
                ConversationAcknowledged a => state with { AcknowledgedAt = a.AcknowledgedAt },
                ConversationChannelChanged c => state with
                {
                    CurrentChannelId = c.ToChannelId,
                    CurrentChannelType = c.ToChannelType,
                },
                _ => state,
            };
        }

        return state with
        {
            Version = state.Version + events.Count,
        };
    }
}
