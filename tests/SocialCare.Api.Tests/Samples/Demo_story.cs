using ChannelSimulator;
using SocialCare.Api.Tests.Support;
using SocialCare.Client;

namespace SocialCare.Api.Tests.Samples;

/// <summary>
/// The demo's story against the hub, with the fake platforms and the four department samples running as they do in
/// <c>./infra/dev.sh demo</c>: each sample proves its one job on the conversation they all share.
/// </summary>
public sealed class Demo_story : HubFixture
{
    protected override IReadOnlyDictionary<string, string?>? Settings =>
        new Dictionary<string, string?>
        {
            ["Webhooks:AllowPrivateTargets"] = "true",
            ["Connectors:AllowPrivateTargets"] = "true",
        };

    [Test]
    public async Task One_customer_crosses_channels_and_every_department_acts_on_the_same_conversation()
    {
        await TestEnvironment.WithDatabaseAsync(
            "crm",
            async crmDatabase =>
            {
                var story = new DemoStory(
                    new DemoSettings(
                        Hub.Server.BaseAddress,
                        HubFactory.AdminKey,
                        TestEnvironment.RabbitHost,
                        TestEnvironment.RabbitPort,
                        crmDatabase,
                        () => Hub.Server.CreateHandler(),
                        TestEnvironment.RabbitVirtualHost
                    ),
                    line => TestContext.Progress.WriteLine(line)
                );
                using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
                var outcome = await story.RunAsync(timeout.Token);

                var conversation = outcome.Conversation;
                var actions = outcome.ActionsByApp;
                Assert.Multiple(() =>
                {
                    Assert.That(
                        conversation.Status,
                        Is.EqualTo(SocialCare.Client.Models.ConversationView_status.Resolved)
                    );
                    Assert.That(
                        conversation.Channels!.Select(c => c.Type),
                        Is.EquivalentTo(new[] { "x", "whatsapp", "app-chat" }),
                        "one conversation from a public tweet to WhatsApp to the app's chat"
                    );
                    Assert.That(actions["crm-app"], Does.Contain("conversation.context_updated"));
                    Assert.That(
                        conversation.Context!.Get("crm-app")!["segment"]!.GetValue<string>(),
                        Is.EqualTo("gold"),
                        "the CRM keeps Omar gold on every channel"
                    );
                    Assert.That(
                        actions["billing-app"],
                        Is.SupersetOf(new[] { "conversation.linked", "conversation.note_added" })
                    );
                    Assert.That(conversation.Links!.Select(l => l.RecordId), Does.Contain("INV-20417"));
                    Assert.That(
                        actions["partner-appchat"],
                        Is.SupersetOf(new[] { "engagement.received", "reply.sent", "reply.delivered" })
                    );
                    Assert.That(actions["marketing-app"], Does.Contain("conversation.tagged"));
                    Assert.That(
                        outcome.ActionsByRule["Out of hours"],
                        Is.EqualTo(new[] { "reply.requested", "conversation.acknowledged" })
                    );
                    Assert.That(
                        outcome.ActionsByRule["Gold and angry"],
                        Is.EqualTo(new[] { "conversation.priority_changed", "conversation.tagged", "sla.applied" })
                    );
                    Assert.That(
                        outcome.Timeline.Select(e => e.Type),
                        Is.SupersetOf(new[] { "sla.warning", "sla.breached" }),
                        "nobody answered Omar within the Gold SLA"
                    );
                    Assert.That(
                        conversation.Links!.Select(l => $"{l.System}:{l.RecordType}"),
                        Does.Contain("crm:escalation"),
                        "the CRM escalated the breach"
                    );
                    Assert.That(conversation.Tags, Does.Contain("vip"));
                    Assert.That(conversation.Tags, Does.Contain("survey-queued"));
                    Assert.That(
                        actions["care-app"],
                        Is.SupersetOf(
                            new[] { "reply.requested", "conversation.channel_changed", "conversation.resolved" }
                        )
                    );
                });
            }
        );
    }
}
