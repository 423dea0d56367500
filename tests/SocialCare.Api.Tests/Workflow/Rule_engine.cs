using System.Text.Json;
using SocialCare.Api.Conversations;
using SocialCare.Api.Workflow;
using SocialCare.Api.Workflow.Rules;
using SocialCare.Api.Workflow.Sla;
using SocialCare.Api.Workflow.Teams;
using SocialCare.Contracts;

namespace SocialCare.Api.Tests.Workflow;

/// <summary>
/// The rule engine and the SLA clocks on their own, on the cases an attacker or a busy workspace makes: a customer's
/// name in a public reply, a policy applied to a resolved conversation, a policy applied again, a pattern that would
/// backtrack for ever.
/// </summary>
public sealed class Rule_engine
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 19, 0, 0, TimeSpan.Zero);

    private static ConversationState State(string status = "open") =>
        new(
            Guid.NewGuid(),
            Guid.NewGuid(),
            "acme-ksa",
            Guid.NewGuid(),
            status,
            3,
            Now.AddMinutes(-5),
            Now.AddMinutes(-5),
            null,
            status == "resolved" ? Now.AddMinutes(-1) : null,
            null,
            null,
            [],
            "normal",
            Guid.NewGuid(),
            "x",
            new HashSet<string>(StringComparer.Ordinal)
        );

    private static RuleEnvironment Environment(string? customerName, List<SlaPolicyResponse>? applied = null) =>
        new(
            _ => Task.FromResult(TeamMatch.None),
            id => Task.FromResult<SlaPolicyResponse?>(Policy(id)),
            s => Task.FromResult<ReplyTarget?>(new ReplyTarget(s.CurrentChannelId, "x", "1234", "public", Now, "99")),
            (s, policy) =>
            {
                applied?.Add(policy);
                return Task.FromResult<SlaApplied?>(new SlaApplied { PolicyId = policy.Id });
            },
            BrandCare.Unconfigured,
            customerName
        );

    private static SlaPolicyResponse Policy(Guid id, string first = "PT1H") =>
        new(id, "Gold", first, null, "P1D", false, null, false, 1, Now, Now);

    private static RuleResponse Rule(params RuleAction[] actions) =>
        new(
            Guid.NewGuid(),
            "test",
            true,
            0,
            null,
            EventTypes.ConversationOpened,
            new RuleConditions([], []),
            actions,
            false,
            1,
            Now,
            Now
        );

    private static RuleFacts Facts(ConversationState state) =>
        new(state, null, new Dictionary<string, IReadOnlyDictionary<string, JsonElement>>(), true, 1);

    [Test]
    public async Task A_customers_name_in_a_public_reply_mentions_and_tags_nobody_and_stays_short()
    {
        var rule = Rule(
            new RuleAction(
                RuleActionTypes.Reply,
                Texts: new Dictionary<string, string> { ["en"] = "Hi {customer.name}!" }
            )
        );
        var run = await RuleEngine.RunAsync(
            rule,
            Facts(State()),
            Environment("@victim #boycott\nنورة " + new string('x', 500)),
            Now,
            Now,
            explain: false
        );
        var text = run.Events.OfType<ReplyRequested>().Single().Text!;
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.StartWith("Hi victim boycottنورة "));
            Assert.That(text, Does.Not.Contain("@").And.Not.Contain("#").And.Not.Contain("\n"));
            Assert.That(text, Has.Length.LessThanOrEqualTo("Hi !".Length + 64));
        });
    }

    [Test]
    public async Task A_policy_is_not_applied_to_a_resolved_conversation()
    {
        var applied = new List<SlaPolicyResponse>();
        var run = await RuleEngine.RunAsync(
            Rule(new RuleAction(RuleActionTypes.ApplySla, PolicyId: Guid.NewGuid())),
            Facts(State("resolved")),
            Environment(null, applied),
            Now,
            Now,
            explain: true
        );
        Assert.Multiple(() =>
        {
            Assert.That(run.Actions.Single().Outcome, Is.EqualTo(RuleActionOutcomes.Refused));
            Assert.That(run.Actions.Single().Code, Is.EqualTo("conversation-resolved"));
            Assert.That(applied, Is.Empty);
        });
    }

    [Test]
    public void A_policy_applied_again_starts_new_clocks_beside_the_old_ones_which_stay_as_they_ended()
    {
        var clocks = new SlaClocks((_, _) => BusinessCalendar.AlwaysOpen);
        var conversation = Guid.NewGuid();
        var (gold, silver) = (Policy(Guid.NewGuid(), "PT1M"), Policy(Guid.NewGuid(), "PT2H"));
        var start = Now.AddMinutes(-10);
        clocks.Apply(conversation, Guid.NewGuid(), "acme-ksa", gold, SlaSources.Rule, 1, start, null, start);
        var first = clocks.Clocks.Single(c => c.Target == SlaTargets.FirstResponse);
        Assert.That(SlaClocks.Fire(first, Now), Is.TypeOf<SlaBreached>());

        clocks.Apply(conversation, Guid.NewGuid(), "acme-ksa", silver, SlaSources.Rule, 1, start, null, Now);
        var again = clocks.Apply(conversation, Guid.NewGuid(), "acme-ksa", gold, SlaSources.Rule, 1, start, null, Now);
        var firsts = clocks.Clocks.Where(c => c.Target == SlaTargets.FirstResponse).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(again, Is.Not.Null);
            Assert.That(firsts.Select(c => c.Id).Distinct().Count(), Is.EqualTo(3), "one clock per application");
            Assert.That(first.Status, Is.EqualTo(SlaClockRow.Breached), "a breach is never written over");
            Assert.That(firsts[1].Status, Is.EqualTo(SlaClockRow.Stopped));
            Assert.That(firsts[2].Status, Is.EqualTo(SlaClockRow.Running));
        });
    }

    [TestCase(false, TestName = "A rule's automatic reply is not a response")]
    [TestCase(true, TestName = "A rule's automatic reply is a response when the policy counts them")]
    public void A_rules_reply_meets_a_response_target_only_when_the_policy_counts_automatic_replies(bool count)
    {
        var clocks = new SlaClocks((_, _) => BusinessCalendar.AlwaysOpen);
        var conversation = Guid.NewGuid();
        var policy = Policy(Guid.NewGuid()) with { CountAutomaticReplies = count };
        clocks.Apply(conversation, Guid.NewGuid(), "acme-ksa", policy, SlaSources.Brand, 1, Now, null, Now);
        var outcome = clocks
            .Replied(
                conversation,
                new ReplyRequested
                {
                    ReplyId = Guid.NewGuid(),
                    RecordedAt = Now.AddMinutes(1),
                    Actor = EventActor.OfRule(Guid.NewGuid(), "Out of hours"),
                }
            )
            .ToList();
        var first = clocks.Clocks.Single(c => c.Target == SlaTargets.FirstResponse);
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Select(e => e.GetType()), Is.EqualTo(count ? new[] { typeof(SlaMet) } : []));
            Assert.That(first.Status, Is.EqualTo(count ? SlaClockRow.Met : SlaClockRow.Running));
        });
    }

    [TestCase("(a+)+$", TestName = "A nested quantifier runs in linear time")]
    [TestCase("^(\\w+\\s?)*$", TestName = "A classic catastrophic pattern runs in linear time")]
    public void A_pattern_that_would_backtrack_for_ever_answers_at_once(string pattern)
    {
        var condition = new RuleCondition("text", "matches", JsonSerializer.SerializeToElement(pattern));
        var state = State();
        var facts = new RuleFacts(
            state,
            new EngagementFacts(
                state.CurrentChannelId,
                "x",
                "public",
                "en",
                // Forty characters: a backtracking engine would try about 2^40 ways and hit the timeout; a linear one
                // answers in microseconds, so the timeout's note cannot appear unless the machine stalls for 50 ms.
                new string('a', 40) + "!",
                new EngagementAuthor("1", null, null),
                null
            ),
            new Dictionary<string, IReadOnlyDictionary<string, JsonElement>>(),
            true,
            1
        );
        var result = RuleFields.Evaluate(condition, facts);
        Assert.Multiple(() =>
        {
            Assert.That(RuleFields.Problem(condition), Is.Null);
            Assert.That(result.Note, Is.Null, "no timeout: the engine does not backtrack");
            Assert.That(result.Passed, Is.False, "the text ends in '!', which neither pattern allows");
        });
    }
}
