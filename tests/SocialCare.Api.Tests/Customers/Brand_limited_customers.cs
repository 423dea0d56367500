using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Customers;

/// <summary>Customers are shared by a workspace's brands; a key limited to brands reads and changes only what is its
/// brands' alone.</summary>
public sealed class Brand_limited_customers : HubFixture
{
    [Test]
    public async Task A_brand_limited_key_reads_only_customers_with_a_conversation_of_its_brands()
    {
        var (workspaceId, all) = await Hub.CreateTenantAsync("customer reads");
        var (_, key) = await Hub.CreateKeyAsync(workspaceId, "zara crm", ["customers:read", "pii:read"], ["Zara"]);
        using var zara = Hub.ClientWithKey(key);
        using (all)
        {
            var zaraChannel = await all.CreateChannelAsync("instagram", "Zara");
            var hmChannel = await all.CreateChannelAsync("instagram", "H&M");
            var hmOnly = (await all.IngestAsync(HubApi.Engagement(hmChannel, "hm-1", "hm-shopper")))[
                "customerId"
            ]!.GetValue<Guid>();
            var shared = (await all.IngestAsync(HubApi.Engagement(zaraChannel, "z-1", "both-shopper")))[
                "customerId"
            ]!.GetValue<Guid>();
            await all.IngestAsync(HubApi.Engagement(hmChannel, "hm-2", "both-shopper"));

            await HubApi.ReadProblem(
                await zara.GetAsync($"/v1/customers/{hmOnly}"),
                HttpStatusCode.NotFound,
                "not-found"
            );
            var lookup = await HubApi.ReadJson(
                await zara.GetAsync("/v1/customers?identity=instagram:hm-shopper"),
                HttpStatusCode.OK
            );
            var sharedView = await HubApi.ReadJson(await zara.GetAsync($"/v1/customers/{shared}"), HttpStatusCode.OK);
            Assert.Multiple(() =>
            {
                Assert.That(
                    lookup["items"]!.AsArray(),
                    Is.Empty,
                    "another brand's customer is not found by identity either"
                );
                Assert.That(
                    sharedView["conversations"]!.AsArray().Select(c => c!["brand"]!.GetValue<string>()),
                    Is.EqualTo(new[] { "Zara" })
                );
            });
        }
    }

    [Test]
    public async Task A_brand_limited_key_links_and_merges_only_customers_whose_every_conversation_is_of_its_brands()
    {
        var (workspaceId, all) = await Hub.CreateTenantAsync("customer writes");
        var (_, key) = await Hub.CreateKeyAsync(
            workspaceId,
            "zara crm",
            ["customers:read", "customers:write"],
            ["Zara"]
        );
        using var zara = Hub.ClientWithKey(key);
        using (all)
        {
            var zaraChannel = await all.CreateChannelAsync("instagram", "Zara");
            var hmChannel = await all.CreateChannelAsync("instagram", "H&M");
            async Task<(Guid Customer, Guid Conversation)> Ingest(Guid channel, string user)
            {
                var ids = await all.IngestAsync(HubApi.Engagement(channel, $"{user}-{channel}", user));
                return (ids["customerId"]!.GetValue<Guid>(), ids["conversationId"]!.GetValue<Guid>());
            }

            var (zaraOnly, _) = await Ingest(zaraChannel, "zara-1");
            var (zaraOnlyToo, _) = await Ingest(zaraChannel, "zara-2");
            var (shared, _) = await Ingest(zaraChannel, "both");
            var (_, sharedHmConversation) = await Ingest(hmChannel, "both");
            var (hmOnly, _) = await Ingest(hmChannel, "hm-1");

            await HubApi.ReadProblem(
                await zara.PostAsJsonAsync($"/v1/customers/{zaraOnly}/merge", new { customerId = hmOnly }),
                HttpStatusCode.NotFound,
                "not-found"
            );
            await HubApi.ReadProblem(
                await zara.PostAsJsonAsync($"/v1/customers/{zaraOnly}/merge", new { customerId = shared }),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            await HubApi.ReadProblem(
                await zara.PostAsJsonAsync($"/v1/customers/{shared}/merge", new { customerId = zaraOnly }),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            await HubApi.ReadProblem(
                await zara.PostAsJsonAsync(
                    $"/v1/customers/{hmOnly}/identities",
                    new { channelType = "sms", platformUserId = "+1" }
                ),
                HttpStatusCode.NotFound,
                "not-found"
            );
            await HubApi.ReadProblem(
                await zara.PostAsJsonAsync(
                    $"/v1/customers/{shared}/identities",
                    new { channelType = "sms", platformUserId = "+2" }
                ),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            var taken = await HubApi.ReadProblem(
                await zara.PostAsJsonAsync(
                    $"/v1/customers/{zaraOnly}/identities",
                    new { channelType = "instagram", platformUserId = "hm-1" }
                ),
                HttpStatusCode.Conflict,
                "identity-taken"
            );
            var merged = await HubApi.ReadJson(
                await zara.PostAsJsonAsync($"/v1/customers/{zaraOnly}/merge", new { customerId = zaraOnlyToo }),
                HttpStatusCode.OK
            );
            await HubApi.ReadJson(
                await zara.PostAsJsonAsync(
                    $"/v1/customers/{zaraOnly}/identities",
                    new { channelType = "sms", platformUserId = "+3" }
                ),
                HttpStatusCode.Created
            );

            var hmConversation = await HubApi.ReadJson(
                await all.GetAsync($"/v1/conversations/{sharedHmConversation}"),
                HttpStatusCode.OK
            );
            Assert.Multiple(() =>
            {
                Assert.That(
                    taken["detail"]!.GetValue<string>(),
                    Does.Not.Contain(hmOnly.ToString()),
                    "another brand's customer is not named"
                );
                Assert.That(merged["mergedCustomerId"]!.GetValue<Guid>(), Is.EqualTo(zaraOnlyToo));
                Assert.That(
                    hmConversation["customer"]!["id"]!.GetValue<Guid>(),
                    Is.EqualTo(shared),
                    "H&M's conversation was never moved"
                );
            });
        }
    }
}
