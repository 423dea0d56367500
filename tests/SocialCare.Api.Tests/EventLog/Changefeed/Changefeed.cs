using System.Net;
using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.EventLog.Changefeed;

public sealed class Changefeed : HubFixture
{
    [Test]
    public async Task Feed_pages_in_sequence_order_and_filters_by_type_with_wildcards()
    {
        var (_, client) = await Hub.CreateTenantAsync("feed");
        using (client)
        {
            var channel = await client.CreateChannelAsync("messenger", "Alshaya");
            await client.IngestAsync(HubApi.Engagement(channel, "m1", "psid-1"));
            await client.IngestAsync(HubApi.Engagement(channel, "m2", "psid-2"));
            var all = await client.WaitForEventsAsync(6);

            var pages = new List<JsonNode>();
            var next = 0L;
            for (var i = 0; i < 6; i++)
            {
                var page = await HubApi.ReadJson(
                    await client.GetAsync($"/v1/events?after={next}&limit=1"),
                    HttpStatusCode.OK
                );
                pages.Add(page["items"]![0]!);
                next = page["next"]!.GetValue<long>();
            }

            var conversationsOnly = await HubApi.ReadJson(
                await client.GetAsync("/v1/events?types=conversation.*"),
                HttpStatusCode.OK
            );
            var twoTypes = await HubApi.ReadJson(
                await client.GetAsync("/v1/events?types=customer.created,engagement.received"),
                HttpStatusCode.OK
            );
            var end = await HubApi.ReadJson(await client.GetAsync($"/v1/events?after={next}"), HttpStatusCode.OK);
            Assert.Multiple(() =>
            {
                Assert.That(
                    pages.Select(p => p["id"]!.GetValue<Guid>()),
                    Is.EqualTo(all.Select(e => e!["id"]!.GetValue<Guid>()))
                );
                Assert.That(
                    conversationsOnly["items"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()),
                    Is.EqualTo(new[] { "conversation.opened", "conversation.opened" })
                );
                Assert.That(twoTypes["items"]!.AsArray(), Has.Count.EqualTo(4));
                Assert.That(end["items"]!.AsArray(), Is.Empty);
                Assert.That(end["next"]!.GetValue<long>(), Is.EqualTo(next), "an empty page keeps the cursor");
            });
        }
    }

    [Test]
    public async Task Another_workspaces_events_never_appear_in_the_feed()
    {
        var (_, mine) = await Hub.CreateTenantAsync("mine");
        var (_, theirs) = await Hub.CreateTenantAsync("theirs");
        using (mine)
        using (theirs)
        {
            var theirChannel = await theirs.CreateChannelAsync("sms", "Other");
            await theirs.IngestAsync(HubApi.Engagement(theirChannel, "s1", "u1"));
            var myChannel = await mine.CreateChannelAsync("sms", "Mine");
            await mine.IngestAsync(HubApi.Engagement(myChannel, "s1", "u1"));
            await theirs.WaitForEventsAsync(3);
            var feed = await mine.WaitForEventsAsync(3);
            Assert.That(feed.Select(e => e!["data"]!["brand"]!.GetValue<string>()), Is.All.EqualTo("Mine"));
        }
    }

    [Test]
    public async Task Server_sent_events_resume_after_last_event_id_and_tail_new_events()
    {
        var (_, client) = await Hub.CreateTenantAsync("sse");
        using (client)
        {
            var channel = await client.CreateChannelAsync("app-chat", "Careem");
            await client.IngestAsync(HubApi.Engagement(channel, "c1", "rider-1"));
            var first = await client.WaitForEventsAsync(3);

            var (stream, response) = await EventStreamClient.OpenAsync(client, first[0]!["sequence"]!.GetValue<long>());
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/event-stream"));
            using var events = stream!;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

            var resumed = await events.ReadEventsAsync(2, timeout.Token);
            await client.IngestAsync(HubApi.Engagement(channel, "c2", "rider-1"));
            var tailed = await events.ReadEventsAsync(1, timeout.Token);

            Assert.Multiple(() =>
            {
                Assert.That(
                    resumed.Select(e => e.Type),
                    Is.EqualTo(new[] { "conversation.opened", "engagement.received" })
                );
                Assert.That(
                    resumed.Select(e => e.Sequence),
                    Is.EqualTo(first.Skip(1).Select(e => e!["sequence"]!.GetValue<long>()))
                );
                Assert.That(tailed.Single().Type, Is.EqualTo("engagement.received"));
                Assert.That(tailed.Single().Item["data"]!["platformMessageId"]!.GetValue<string>(), Is.EqualTo("c2"));
            });
        }
    }

    [Test]
    public async Task A_brand_limited_key_pages_through_its_brands_events_in_sequence_order()
    {
        var (workspaceId, all) = await Hub.CreateTenantAsync("brand feed");
        var (_, key) = await Hub.CreateKeyAsync(workspaceId, "two brands", ["events:read"], ["Zara", "Mango"]);
        using var limited = Hub.ClientWithKey(key);
        using (all)
        {
            var channels = new[] { "Zara", "H&M", "Mango" };
            var ids = new Dictionary<string, Guid>();
            foreach (var brand in channels)
            {
                ids[brand] = await all.CreateChannelAsync("sms", brand);
            }

            for (var i = 0; i < 3; i++)
            {
                foreach (var brand in channels)
                {
                    await all.IngestAsync(HubApi.Engagement(ids[brand], $"{brand}-{i}", $"{brand}-user"));
                }
            }

            var everything = await all.WaitForEventsAsync(15);
            var pages = new List<JsonNode>();
            var next = 0L;
            while (true)
            {
                var page = await HubApi.ReadJson(
                    await limited.GetAsync($"/v1/events?after={next}&limit=2"),
                    HttpStatusCode.OK
                );
                if (page["items"]!.AsArray().Count == 0)
                {
                    break;
                }

                pages.AddRange(page["items"]!.AsArray().Select(i => i!));
                next = page["next"]!.GetValue<long>();
            }

            var expected = everything
                .Where(e => e!["data"]!["brand"]!.GetValue<string>() is "Zara" or "Mango")
                .Select(e => e!["sequence"]!.GetValue<long>());
            Assert.That(
                pages.Select(p => p["sequence"]!.GetValue<long>()),
                Is.EqualTo(expected),
                "every Zara and Mango event once, in order, none of H&M's"
            );
        }
    }
}
