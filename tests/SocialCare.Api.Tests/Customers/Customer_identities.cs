using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Customers;

public sealed class Customer_identities : HubFixture
{
    [Test]
    public async Task Linked_identity_makes_a_public_tweet_and_a_whatsapp_message_one_conversation()
    {
        var (_, client) = await Hub.CreateTenantAsync("handoff identities");
        using (client)
        {
            var x = await client.CreateChannelAsync("x", "Emirates");
            var whatsapp = await client.CreateChannelAsync("whatsapp", "Emirates");
            var tweet = await client.IngestAsync(
                HubApi.Engagement(x, "tweet-1", "x-user-77", "@Emirates my bag is lost", "public", threadKey: "tweet-1")
            );
            var customerId = tweet["customerId"]!.GetValue<Guid>();

            var linked = await client.PostAsJsonAsync(
                $"/v1/customers/{customerId}/identities",
                new { channelType = "whatsapp", platformUserId = "971500000077" }
            );
            Assert.That(linked.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            var again = await client.PostAsJsonAsync(
                $"/v1/customers/{customerId}/identities",
                new { channelType = "whatsapp", platformUserId = "971500000077" }
            );
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));

            var message = await client.IngestAsync(
                HubApi.Engagement(whatsapp, "wamid.77", "971500000077", "Here is my tag number")
            );
            Assert.Multiple(() =>
            {
                Assert.That(
                    message["conversationId"]!.GetValue<Guid>(),
                    Is.EqualTo(tweet["conversationId"]!.GetValue<Guid>())
                );
                Assert.That(message["customerId"]!.GetValue<Guid>(), Is.EqualTo(customerId));
            });

            var found = await HubApi.ReadJson(
                await client.GetAsync("/v1/customers?identity=whatsapp:971500000077"),
                HttpStatusCode.OK
            );
            var none = await HubApi.ReadJson(
                await client.GetAsync("/v1/customers?identity=whatsapp:0000"),
                HttpStatusCode.OK
            );
            Assert.Multiple(() =>
            {
                Assert.That(found["items"]![0]!["id"]!.GetValue<Guid>(), Is.EqualTo(customerId));
                Assert.That(found["items"]![0]!["identities"]!.AsArray(), Has.Count.EqualTo(2));
                Assert.That(none["items"]!.AsArray(), Is.Empty);
            });
            await HubApi.ReadProblem(
                await client.GetAsync("/v1/customers?identity=whatsapp"),
                HttpStatusCode.BadRequest,
                "bad-request"
            );
        }
    }

    [Test]
    public async Task Identity_of_another_customer_is_a_409_suggesting_a_merge()
    {
        var (_, client) = await Hub.CreateTenantAsync("taken");
        using (client)
        {
            var sms = await client.CreateChannelAsync("sms", "du");
            var first = await client.IngestAsync(HubApi.Engagement(sms, "s1", "+971501111111"));
            var second = await client.IngestAsync(HubApi.Engagement(sms, "s2", "+971502222222"));
            var problem = await HubApi.ReadProblem(
                await client.PostAsJsonAsync(
                    $"/v1/customers/{second["customerId"]}/identities",
                    new { channelType = "sms", platformUserId = "+971501111111" }
                ),
                HttpStatusCode.Conflict,
                "identity-taken"
            );
            Assert.That(
                problem["detail"]!.GetValue<string>(),
                Does.Contain(first["customerId"]!.GetValue<string>()).And.Contain("merge")
            );
        }
    }

    [Test]
    public async Task Merge_moves_conversations_and_both_old_identities_find_the_survivor()
    {
        await using var tap = await RabbitTap.BindAsync("socialcare.customer.merged");
        var (workspaceId, client) = await Hub.CreateTenantAsync("merge");
        using (client)
        {
            var instagram = await client.CreateChannelAsync("instagram", "Zara");
            var whatsapp = await client.CreateChannelAsync("whatsapp", "Massimo Dutti");
            var a = await client.IngestAsync(HubApi.Engagement(instagram, "ig-1", "ig-noura", "Size exchange?"));
            var b = await client.IngestAsync(
                HubApi.Engagement(whatsapp, "wa-1", "971503333333", "Where is my parcel?")
            );
            var (survivor, merged) = (a["customerId"]!.GetValue<Guid>(), b["customerId"]!.GetValue<Guid>());

            var result = await HubApi.ReadJson(
                await client.PostAsJsonAsync($"/v1/customers/{survivor}/merge", new { customerId = merged }),
                HttpStatusCode.OK
            );
            Assert.That(
                result["movedConversationIds"]!.AsArray().Select(c => c!.GetValue<Guid>()),
                Is.EqualTo(new[] { b["conversationId"]!.GetValue<Guid>() })
            );

            var viaInstagram = await HubApi.ReadJson(
                await client.GetAsync("/v1/customers?identity=instagram:ig-noura"),
                HttpStatusCode.OK
            );
            var viaWhatsApp = await HubApi.ReadJson(
                await client.GetAsync("/v1/customers?identity=whatsapp:971503333333"),
                HttpStatusCode.OK
            );
            var gone = await HubApi.ReadJson(await client.GetAsync($"/v1/customers/{merged}"), HttpStatusCode.OK);
            var conversation = await HubApi.ReadJson(
                await client.GetAsync($"/v1/conversations/{b["conversationId"]}"),
                HttpStatusCode.OK
            );
            var message = (await tap.WaitForAsync(workspaceId, 1)).Single();
            Assert.Multiple(() =>
            {
                Assert.That(viaInstagram["items"]![0]!["id"]!.GetValue<Guid>(), Is.EqualTo(survivor));
                Assert.That(viaWhatsApp["items"]![0]!["id"]!.GetValue<Guid>(), Is.EqualTo(survivor));
                Assert.That(viaWhatsApp["items"]![0]!["conversations"]!.AsArray(), Has.Count.EqualTo(2));
                Assert.That(gone["mergedInto"]!.GetValue<Guid>(), Is.EqualTo(survivor));
                Assert.That(conversation["customer"]!["id"]!.GetValue<Guid>(), Is.EqualTo(survivor));
                Assert.That(message["mergedCustomerId"]!.GetValue<Guid>(), Is.EqualTo(merged));
                Assert.That(message["customerId"]!.GetValue<Guid>(), Is.EqualTo(survivor));
            });

            var next = await client.IngestAsync(HubApi.Engagement(whatsapp, "wa-2", "971503333333", "Any news?"));
            Assert.That(next["conversationId"]!.GetValue<Guid>(), Is.EqualTo(b["conversationId"]!.GetValue<Guid>()));
            await HubApi.ReadProblem(
                await client.PostAsJsonAsync($"/v1/customers/{survivor}/merge", new { customerId = merged }),
                HttpStatusCode.Conflict,
                "already-merged"
            );
        }
    }

    [Test]
    public async Task Merging_customers_with_open_conversations_for_one_brand_resolves_the_duplicate()
    {
        var (_, client) = await Hub.CreateTenantAsync("merge duplicates");
        using (client)
        {
            var x = await client.CreateChannelAsync("x", "flydubai");
            var messenger = await client.CreateChannelAsync("messenger", "flydubai");
            var a = await client.IngestAsync(HubApi.Engagement(x, "t-1", "x-ahmed", "Flight delayed again", "public"));
            var b = await client.IngestAsync(HubApi.Engagement(messenger, "m-1", "psid-ahmed", "Can I rebook?"));
            var result = await HubApi.ReadJson(
                await client.PostAsJsonAsync(
                    $"/v1/customers/{a["customerId"]}/merge",
                    new { customerId = b["customerId"] }
                ),
                HttpStatusCode.OK
            );
            var duplicate = await HubApi.ReadJson(
                await client.GetAsync($"/v1/conversations/{b["conversationId"]}"),
                HttpStatusCode.OK
            );
            Assert.Multiple(() =>
            {
                Assert.That(
                    result["resolvedConversationIds"]!.AsArray().Select(c => c!.GetValue<Guid>()),
                    Is.EqualTo(new[] { b["conversationId"]!.GetValue<Guid>() })
                );
                Assert.That(duplicate["status"]!.GetValue<string>(), Is.EqualTo("resolved"));
                Assert.That(
                    result["movedIdentities"]!.AsArray().Select(i => i!["platformUserId"]!.GetValue<string>()),
                    Is.EqualTo(new[] { "psid-ahmed" }),
                    "the identities moved even though a duplicate was resolved first in the same transaction"
                );
                Assert.That(
                    result["movedConversationIds"]!.AsArray().Select(c => c!.GetValue<Guid>()),
                    Is.EqualTo(new[] { b["conversationId"]!.GetValue<Guid>() })
                );
            });
            var next = await client.IngestAsync(HubApi.Engagement(messenger, "m-2", "psid-ahmed", "Hello?"));
            Assert.That(
                next["conversationId"]!.GetValue<Guid>(),
                Is.EqualTo(a["conversationId"]!.GetValue<Guid>()),
                "the next message joins the survivor's open conversation"
            );
        }
    }
}
