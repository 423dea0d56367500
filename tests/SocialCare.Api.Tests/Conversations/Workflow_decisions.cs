using SocialCare.Api.Conversations;
using SocialCare.Contracts;

namespace SocialCare.Api.Tests.Conversations;

/// <summary>The workflow's pure decisions, without a database.</summary>
public sealed class Workflow_decisions
{
    private static readonly DateTimeOffset Opened = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

    private static ConversationState State(
        string status = "open",
        DateTimeOffset? acknowledged = null,
        params string[] tags
    ) =>
        new(
            Guid.CreateVersion7(),
            Guid.CreateVersion7(),
            "Namshi",
            Guid.CreateVersion7(),
            status,
            2,
            Opened,
            Opened,
            acknowledged,
            status == "resolved" ? Opened.AddHours(1) : null,
            null,
            null,
            tags,
            "normal",
            Guid.CreateVersion7(),
            "whatsapp",
            new HashSet<string>()
        );

    [Test]
    public void Acknowledging_records_the_time_to_acknowledge()
    {
        var decision = ConversationDecisions.Acknowledge(State(), Opened.AddMinutes(9));
        Assert.That(((ConversationAcknowledged)decision.Events.Single()).TimeToAcknowledgeSeconds, Is.EqualTo(540));
    }

    [Test]
    public void Resolving_carries_both_response_times()
    {
        var resolved = (ConversationResolved)
            ConversationDecisions
                .Resolve(
                    State(acknowledged: Opened.AddMinutes(9)),
                    EventActor.System,
                    "done",
                    false,
                    Opened.AddHours(9).AddMinutes(3)
                )
                .Events.Single();
        Assert.Multiple(() =>
        {
            Assert.That(resolved.TimeToAcknowledgeSeconds, Is.EqualTo(540));
            Assert.That(resolved.TimeToResolveSeconds, Is.EqualTo((9 * 60 + 3) * 60));
        });
    }

    [Test]
    public void Tags_are_normalised_and_only_real_changes_count()
    {
        var decision = ConversationDecisions.Tag(
            State(tags: ["vip"]),
            [" VIP ", "Late  Delivery", "late delivery"],
            ["missing"]
        );
        var tagged = (ConversationTagged)decision.Events.Single();
        Assert.Multiple(() =>
        {
            Assert.That(tagged.Added, Is.EqualTo(new[] { "late-delivery" }));
            Assert.That(tagged.Removed, Is.Empty);
            Assert.That(tagged.Tags, Is.EqualTo(new[] { "vip", "late-delivery" }));
            Assert.That(ConversationDecisions.Tag(State(tags: ["vip"]), ["vip"], null).Events, Is.Empty);
        });
    }

    [Test]
    public void Acknowledging_a_resolved_conversation_is_refused() =>
        Assert.That(
            ConversationDecisions.Acknowledge(State("resolved"), Opened).Rejected?.Code,
            Is.EqualTo("conversation-resolved")
        );

    [Test]
    public void Unassigning_is_an_assignment_to_nobody()
    {
        var assigned = State() with { Team = "Tier 1", Agent = "omar" };
        var decision = (ConversationAssigned)
            ConversationDecisions.Assign(assigned, " ", null, Api.Workflow.Teams.TeamMatch.None).Events.Single();
        Assert.That(
            (decision.Team, decision.Agent, decision.PreviousTeam),
            Is.EqualTo(((string?)null, (string?)null, "Tier 1"))
        );
    }
}
