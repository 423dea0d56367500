using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Privacy;

/// <summary>A data-subject access request (issue 20, point 7): every piece of data the hub holds about a customer, for
/// a key that may read it, and nothing for one that may not.</summary>
public sealed class Customer_export : HubFixture
{
    [Test]
    public async Task The_export_holds_everything_about_the_person_including_merged_profiles_and_only_for_pii_readers()
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync("export");
        using (client)
        {
            var marker = "EXP" + Guid.NewGuid().ToString("N")[..12];
            var whatsapp = await client.CreateChannelAsync("whatsapp", "Namshi");
            var chat = await client.CreateChannelAsync("app-chat", "Namshi");
            var first = await client.IngestAsync(
                HubApi.Engagement(whatsapp, "m-1", "971500000001", $"Order {marker} — متأخر 😡", displayName: "Omar")
            );
            var second = await client.IngestAsync(
                HubApi.Engagement(chat, "m-2", $"omar-{marker}", "Also here", displayName: "عمر")
            );
            var conversation = first["conversationId"]!.GetValue<Guid>();
            var customer = first["customerId"]!.GetValue<Guid>();
            await HubApi.ReadJson(
                await client.PostAsJsonAsync(
                    $"/v1/customers/{customer}/merge",
                    new { customerId = second["customerId"]!.GetValue<Guid>() }
                ),
                HttpStatusCode.OK
            );
            await HubApi.ReadJson(
                await client.PostAsJsonAsync($"/v1/conversations/{conversation}/notes", new { text = $"VIP {marker}" }),
                HttpStatusCode.OK
            );
            await HubApi.ReadJson(
                await client.PostAsJsonAsync(
                    $"/v1/conversations/{conversation}/context",
                    new { personalValues = new { address = $"Dubai {marker}" } }
                ),
                HttpStatusCode.OK
            );

            var export = await HubApi.ReadJson(
                await client.GetAsync($"/v1/customers/{customer}/export"),
                HttpStatusCode.OK
            );
            var types = export["events"]!.AsArray().Select(e => e!["event"]!["type"]!.GetValue<string>()).ToList();
            var text = export.ToJsonString();
            Assert.Multiple(() =>
            {
                Assert.That(export["customer"]!["id"]!.GetValue<Guid>(), Is.EqualTo(customer));
                Assert.That(
                    export["mergedCustomerIds"]!.AsArray().Select(i => i!.GetValue<Guid>()),
                    Is.EqualTo(new[] { second["customerId"]!.GetValue<Guid>() })
                );
                Assert.That(
                    export["customer"]!["identities"]!.AsArray().Select(i => i!["platformUserId"]!.GetValue<string>()),
                    Is.EquivalentTo(new[] { "971500000001", $"omar-{marker}" })
                );
                Assert.That(
                    export["conversations"]!.AsArray().Select(c => c!["id"]!.GetValue<Guid>()),
                    Does.Contain(conversation)
                );
                Assert.That(
                    types,
                    Is.SupersetOf(
                        new[]
                        {
                            "customer.created",
                            "customer.merged",
                            "engagement.received",
                            "conversation.note_added",
                            "conversation.context_updated",
                        }
                    )
                );
                Assert.That(types.Count(t => t == "customer.created"), Is.EqualTo(2), "the merged profile's own");
                Assert.That(text, Does.Contain($"VIP {marker}").And.Contain($"Dubai {marker}"));
                Assert.That(
                    export["events"]!
                        .AsArray()
                        .Where(e => e!["event"]!["type"]!.GetValue<string>() == "engagement.received")
                        .Select(e => e!["event"]!["data"]!["text"]!.GetValue<string>()),
                    Is.EquivalentTo(new[] { $"Order {marker} — متأخر 😡", "Also here" })
                );
            });

            var (_, readerKey) = await Hub.CreateKeyAsync(workspaceId, "marketing", ["customers:read"]);
            using var narrow = Hub.ClientWithKey(readerKey);
            await HubApi.ReadProblem(
                await narrow.GetAsync($"/v1/customers/{customer}/export"),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            var (_, otherBrandKey) = await Hub.CreateKeyAsync(
                workspaceId,
                "zara",
                ["customers:read", "pii:read"],
                ["Zara"]
            );
            using var zara = Hub.ClientWithKey(otherBrandKey);
            await HubApi.ReadProblem(
                await zara.GetAsync($"/v1/customers/{customer}/export"),
                HttpStatusCode.NotFound,
                "not-found"
            );
            var (_, stranger) = await Hub.CreateTenantAsync("export stranger");
            using (stranger)
            {
                await HubApi.ReadProblem(
                    await stranger.GetAsync($"/v1/customers/{customer}/export"),
                    HttpStatusCode.NotFound,
                    "not-found"
                );
            }
        }
    }
}
