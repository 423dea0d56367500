using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Engagements;

public sealed class Conversation_threading : HubFixture
{
    [Test]
    public async Task Same_customer_on_two_accounts_of_one_brand_is_one_conversation()
    {
        var (_, client) = await Hub.CreateTenantAsync("two numbers");
        using (client)
        {
            var riyadh = await client.CreateChannelAsync("whatsapp", "Namshi");
            var dubai = await client.CreateChannelAsync("whatsapp", "Namshi");
            var first = await client.IngestAsync(HubApi.Engagement(riyadh, "w1", "966500000001"));
            var second = await client.IngestAsync(HubApi.Engagement(dubai, "w2", "966500000001"));
            Assert.That(
                second["conversationId"]!.GetValue<Guid>(),
                Is.EqualTo(first["conversationId"]!.GetValue<Guid>())
            );
            var conversation = await HubApi.ReadJson(
                await client.GetAsync($"/v1/conversations/{first["conversationId"]}"),
                HttpStatusCode.OK
            );
            Assert.Multiple(() =>
            {
                Assert.That(
                    conversation["channels"]!.AsArray().Select(c => c!["id"]!.GetValue<Guid>()),
                    Is.EqualTo(new[] { riyadh, dubai })
                );
                Assert.That(conversation["currentChannelId"]!.GetValue<Guid>(), Is.EqualTo(dubai));
                Assert.That(conversation["engagementCount"]!.GetValue<int>(), Is.EqualTo(2));
            });
        }
    }

    [Test]
    public async Task Another_brand_is_another_conversation()
    {
        var (_, client) = await Hub.CreateTenantAsync("franchise");
        using (client)
        {
            var zara = await client.CreateChannelAsync("instagram", "Zara");
            var hm = await client.CreateChannelAsync("instagram", "H&M");
            var first = await client.IngestAsync(HubApi.Engagement(zara, "i1", "ig-user"));
            var second = await client.IngestAsync(HubApi.Engagement(hm, "i2", "ig-user"));
            Assert.Multiple(() =>
            {
                Assert.That(
                    second["conversationId"]!.GetValue<Guid>(),
                    Is.Not.EqualTo(first["conversationId"]!.GetValue<Guid>())
                );
                Assert.That(
                    second["customerId"]!.GetValue<Guid>(),
                    Is.EqualTo(first["customerId"]!.GetValue<Guid>()),
                    "one customer, two brands"
                );
            });
        }
    }

    [Test]
    public async Task Public_replies_in_one_thread_join_its_conversation()
    {
        var (_, client) = await Hub.CreateTenantAsync("thread");
        using (client)
        {
            var x = await client.CreateChannelAsync("x", "KLM");
            var tweet = await client.IngestAsync(
                HubApi.Engagement(x, "t1", "angry-flyer", "Lost my bag", "public", threadKey: "t1")
            );
            var reply = await client.IngestAsync(
                HubApi.Engagement(x, "t2", "their-friend", "Same here", "public", threadKey: "t1")
            );
            var unrelated = await client.IngestAsync(
                HubApi.Engagement(x, "t3", "someone-else", "Great flight", "public", threadKey: "t3")
            );
            Assert.Multiple(() =>
            {
                Assert.That(
                    reply["conversationId"]!.GetValue<Guid>(),
                    Is.EqualTo(tweet["conversationId"]!.GetValue<Guid>())
                );
                Assert.That(
                    reply["customerId"]!.GetValue<Guid>(),
                    Is.Not.EqualTo(tweet["customerId"]!.GetValue<Guid>())
                );
                Assert.That(
                    unrelated["conversationId"]!.GetValue<Guid>(),
                    Is.Not.EqualTo(tweet["conversationId"]!.GetValue<Guid>())
                );
            });
        }
    }

    [Test]
    public async Task Concurrent_writers_on_one_conversation_never_lose_an_event()
    {
        var (_, client) = await Hub.CreateTenantAsync("concurrency");
        using (client)
        {
            var channel = await client.CreateChannelAsync("messenger", "Alshaya");
            const int writers = 24;
            var responses = await Task.WhenAll(
                Enumerable
                    .Range(0, writers)
                    .Select(i =>
                        client.PostAsJsonAsync(
                            "/v1/engagements",
                            HubApi.Engagement(channel, $"mid.{i}", "psid-1", $"message {i}")
                        )
                    )
            );
            Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.Accepted));
            var conversationIds = new HashSet<Guid>();
            foreach (var response in responses)
            {
                conversationIds.Add(
                    (await HubApi.ReadJson(response, HttpStatusCode.Accepted))["conversationId"]!.GetValue<Guid>()
                );
            }

            Assert.That(
                conversationIds,
                Has.Count.EqualTo(1),
                "one customer, one open conversation, however the writes interleave"
            );
            var id = conversationIds.Single();
            var timeline = await HubApi.ReadJson(
                await client.GetAsync($"/v1/conversations/{id}/timeline?limit=500"),
                HttpStatusCode.OK
            );
            var conversation = await HubApi.ReadJson(
                await client.GetAsync($"/v1/conversations/{id}"),
                HttpStatusCode.OK
            );
            Assert.Multiple(() =>
            {
                Assert.That(
                    timeline["items"]!.AsArray().Select(e => e!["version"]!.GetValue<long>()),
                    Is.EqualTo(Enumerable.Range(1, writers + 1).Select(v => (long)v))
                );
                Assert.That(
                    timeline["items"]!.AsArray().Count(e => e!["type"]!.GetValue<string>() == "engagement.received"),
                    Is.EqualTo(writers)
                );
                Assert.That(conversation["engagementCount"]!.GetValue<int>(), Is.EqualTo(writers));
                Assert.That(conversation["version"]!.GetValue<long>(), Is.EqualTo(writers + 1));
            });
            var events = await client.WaitForEventsAsync(writers + 2);
            Assert.That(events.Select(e => e!["sequence"]!.GetValue<long>()), Is.Ordered.Ascending.And.Unique);
        }
    }
}
