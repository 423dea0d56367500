using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Conversations;

/// <summary>Two departments never answer the customer at once: a claim makes another app's resolve a 409 until it
/// ends.</summary>
public sealed class Conversation_claims : HubFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Conversations:ClaimSweepInterval"] = "00:00:00.200" };

    private async Task<(Guid ConversationId, HttpClient Care, HttpClient Billing)> ArrangeAsync(string name)
    {
        var workspaceId = await Hub.CreateWorkspaceAsync(name);
        var (_, careKey) = await Hub.CreateKeyAsync(
            workspaceId,
            "care-app",
            ["engagements:write", "channels:manage", "conversations:read", "conversations:write"]
        );
        var (_, billingKey) = await Hub.CreateKeyAsync(
            workspaceId,
            "billing-app",
            ["conversations:read", "conversations:write"]
        );
        var care = Hub.ClientWithKey(careKey);
        var channel = await care.CreateChannelAsync("messenger", "Alshaya");
        var ids = await care.IngestAsync(HubApi.Engagement(channel, "mid.1", "psid-9"));
        return (ids["conversationId"]!.GetValue<Guid>(), care, Hub.ClientWithKey(billingKey));
    }

    private static async Task<List<(string Type, System.Text.Json.Nodes.JsonNode Data)>> Timeline(
        HttpClient client,
        Guid id
    ) =>
        (await HubApi.ReadJson(await client.GetAsync($"/v1/conversations/{id}/timeline"), HttpStatusCode.OK))["items"]!
            .AsArray()
            .Select(e => (e!["type"]!.GetValue<string>(), e["data"]!))
            .ToList();

    [Test]
    public async Task Care_apps_claim_makes_billings_resolve_a_409_naming_the_holder_until_released()
    {
        var (id, care, billing) = await ArrangeAsync("claim");
        using (care)
        using (billing)
        {
            care.DefaultRequestHeaders.Add("X-Actor", "agent-omar");
            await HubApi.ReadJson(
                await care.PostAsJsonAsync($"/v1/conversations/{id}/claim", new { ttlSeconds = 600 }),
                HttpStatusCode.OK
            );
            var problem = await HubApi.ReadProblem(
                await billing.PostAsJsonAsync($"/v1/conversations/{id}/resolve", new { }),
                HttpStatusCode.Conflict,
                "claimed-by-other"
            );
            Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("care-app").And.Contain("agent-omar"));
            await HubApi.ReadProblem(
                await billing.PostAsJsonAsync($"/v1/conversations/{id}/claim", new { }),
                HttpStatusCode.Conflict,
                "claimed-by-other"
            );
            await HubApi.ReadProblem(
                await billing.PostAsJsonAsync($"/v1/conversations/{id}/release", new { }),
                HttpStatusCode.Conflict,
                "claimed-by-other"
            );

            var view = await HubApi.ReadJson(await billing.GetAsync($"/v1/conversations/{id}"), HttpStatusCode.OK);
            Assert.That(view["claim"]!["app"]!.GetValue<string>(), Is.EqualTo("care-app"));

            var renewed = await HubApi.ReadJson(
                await care.PostAsJsonAsync($"/v1/conversations/{id}/claim", new { }),
                HttpStatusCode.OK
            );
            await HubApi.ReadJson(
                await care.PostAsJsonAsync($"/v1/conversations/{id}/release", new { }),
                HttpStatusCode.OK
            );
            await HubApi.ReadJson(
                await billing.PostAsJsonAsync($"/v1/conversations/{id}/resolve", new { }),
                HttpStatusCode.OK
            );

            var timeline = await Timeline(care, id);
            Assert.Multiple(() =>
            {
                Assert.That(renewed["events"]![0]!["type"]!.GetValue<string>(), Is.EqualTo("conversation.claimed"));
                Assert.That(
                    timeline
                        .Where(e => e.Type == "conversation.claimed")
                        .Select(e => e.Data["renewed"]!.GetValue<bool>()),
                    Is.EqualTo(new[] { false, true })
                );
                Assert.That(
                    timeline.Single(e => e.Type == "conversation.released").Data["reason"]!.GetValue<string>(),
                    Is.EqualTo("released")
                );
                Assert.That(timeline[^1].Type, Is.EqualTo("conversation.resolved"));
                Assert.That(timeline[^1].Data["forced"]!.GetValue<bool>(), Is.False);
            });
        }
    }

    [Test]
    public async Task Forced_resolve_over_a_claim_is_allowed_and_recorded()
    {
        var (id, care, billing) = await ArrangeAsync("force");
        using (care)
        using (billing)
        {
            await HubApi.ReadJson(
                await care.PostAsJsonAsync($"/v1/conversations/{id}/claim", new { }),
                HttpStatusCode.OK
            );
            await HubApi.ReadJson(
                await billing.PostAsJsonAsync(
                    $"/v1/conversations/{id}/resolve",
                    new { reason = "refund done", force = true }
                ),
                HttpStatusCode.OK
            );
            var timeline = await Timeline(care, id);
            Assert.Multiple(() =>
            {
                Assert.That(
                    timeline.Single(e => e.Type == "conversation.resolved").Data["forced"]!.GetValue<bool>(),
                    Is.True
                );
                Assert.That(timeline[^1].Type, Is.EqualTo("conversation.released"));
                Assert.That(timeline[^1].Data["reason"]!.GetValue<string>(), Is.EqualTo("resolved"));
            });
            var view = await HubApi.ReadJson(await care.GetAsync($"/v1/conversations/{id}"), HttpStatusCode.OK);
            Assert.That(view["claim"], Is.Null);
        }
    }

    [Test]
    public async Task Expired_claim_is_released_with_an_event_and_no_longer_blocks()
    {
        var (id, care, billing) = await ArrangeAsync("expiry");
        using (care)
        using (billing)
        {
            await HubApi.ReadJson(
                await care.PostAsJsonAsync($"/v1/conversations/{id}/claim", new { ttlSeconds = 1 }),
                HttpStatusCode.OK
            );
            var timeline = await Eventually.Until(
                () => Timeline(care, id),
                t => t.Any(e => e.Type == "conversation.released"),
                TimeSpan.FromSeconds(20),
                "the expired claim to be released"
            );
            Assert.That(
                timeline.Single(e => e.Type == "conversation.released").Data["reason"]!.GetValue<string>(),
                Is.EqualTo("expired")
            );
            await HubApi.ReadJson(
                await billing.PostAsJsonAsync($"/v1/conversations/{id}/resolve", new { }),
                HttpStatusCode.OK
            );
            await HubApi.ReadProblem(
                await care.PostAsJsonAsync($"/v1/conversations/{id}/release", new { }),
                HttpStatusCode.Conflict,
                "not-claimed"
            );
        }
    }
}
