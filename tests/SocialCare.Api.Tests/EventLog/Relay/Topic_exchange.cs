using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.EventLog.Relay;

/// <summary>
/// The topic exchange <c>socialcare.topic</c> (issue 20, point 3): every event once, with the routing key
/// <c>&lt;workspace&gt;.&lt;brand&gt;.&lt;type&gt;</c>, so that a department binds only its workspace, brand and types
/// with plain RabbitMQ.Client.
/// </summary>
public sealed class Topic_exchange : HubFixture
{
    [Test]
    public async Task A_department_binds_its_workspace_brand_and_types_and_receives_nothing_else()
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync("topic");
        var (otherWorkspace, other) = await Hub.CreateTenantAsync("topic elsewhere");
        using (client)
        using (other)
        {
            await using var namshiConversations = await RabbitTap.BindTopicAsync(
                $"{workspaceId}.Namshi.conversation.*"
            );
            // A brand with the characters a pattern treats specially: percent-encoded in the key.
            await using var oddBrand = await RabbitTap.BindTopicAsync($"{workspaceId}.Al%2ETayer%2A%23.#");
            await using var everyEngagement = await RabbitTap.BindTopicAsync("*.*.engagement.received");

            var namshi = await client.CreateChannelAsync("whatsapp", "Namshi");
            var odd = await client.CreateChannelAsync("whatsapp", "Al.Tayer*#");
            var elsewhere = await other.CreateChannelAsync("whatsapp", "Namshi");
            await client.IngestAsync(HubApi.Engagement(namshi, "m-1", "971500000001"));
            await client.IngestAsync(HubApi.Engagement(odd, "m-2", "971500000002"));
            await other.IngestAsync(HubApi.Engagement(elsewhere, "m-3", "971500000003"));

            await everyEngagement.WaitForAsync(otherWorkspace, 1);
            await everyEngagement.WaitForAsync(workspaceId, 2);
            var conversations = await namshiConversations.WaitForAsync(workspaceId, 1);
            var oddEvents = await oddBrand.WaitForAsync(workspaceId, 3);
            Assert.Multiple(() =>
            {
                Assert.That(
                    namshiConversations.Envelopes.Select(e => e["message"]!["workspaceId"]!.GetValue<Guid>()),
                    Is.All.EqualTo(workspaceId),
                    "another workspace's events"
                );
                Assert.That(
                    namshiConversations.Envelopes.Select(e => e["message"]!["brand"]!.GetValue<string>()),
                    Is.All.EqualTo("Namshi")
                );
                Assert.That(namshiConversations.RoutingKeys, Is.All.StartsWith($"{workspaceId}.Namshi.conversation."));
                Assert.That(conversations.Select(m => m["conversationId"]), Has.All.Not.Null);
                Assert.That(oddBrand.RoutingKeys, Is.All.StartsWith($"{workspaceId}.Al%2ETayer%2A%23."));
                Assert.That(
                    oddBrand.RoutingKeys,
                    Is.SupersetOf(
                        new[] { "customer.created", "conversation.opened", "engagement.received" }.Select(t =>
                            $"{workspaceId}.Al%2ETayer%2A%23.{t}"
                        )
                    )
                );
                Assert.That(oddEvents.Select(m => m["brand"]!.GetValue<string>()), Is.All.EqualTo("Al.Tayer*#"));
                Assert.That(
                    everyEngagement.RoutingKeys.Where(k => k.StartsWith($"{workspaceId}.", StringComparison.Ordinal)),
                    Is.EquivalentTo(
                        new[]
                        {
                            $"{workspaceId}.Namshi.engagement.received",
                            $"{workspaceId}.Al%2ETayer%2A%23.engagement.received",
                        }
                    )
                );
                Assert.That(everyEngagement.RoutingKeys, Is.All.EndsWith(".engagement.received"));
            });
        }
    }
}
