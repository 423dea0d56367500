using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.EventLog;

/// <summary>
/// What the event log promises every reader, with Marten numbering the events: a reader that resumes from any cursor it
/// was handed never misses an event, even while two hub instances write at once; and one event carries one sequence, on
/// the changefeed, on RabbitMQ and in webhooks.
/// </summary>
public sealed class Log_invariants
{
    private const int WritersPerHub = 4;
    private const int EngagementsPerWriter = 30;

    [Test]
    public async Task A_reader_resuming_at_each_cursor_sees_every_accepted_engagement_once_in_order_as_two_hubs_write()
    {
        await TestEnvironment.WithDatabaseAsync(
            "two-hub-hammer",
            async database =>
            {
                var settings = new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = database };
                await using var one = await new HubFactory(settings).StartAsync();
                await using var two = await new HubFactory(settings).StartAsync();
                var workspaceId = await one.CreateWorkspaceAsync("hammer");
                var (_, key) = await one.CreateKeyAsync(
                    workspaceId,
                    "hammer app",
                    [.. SocialCare.Api.Authorization.Scopes.All]
                );
                using var first = one.ClientWithKey(key);
                using var second = two.ClientWithKey(key);
                var channel = await first.CreateChannelAsync("sms", "Namshi");

                // Writers on both hubs: authors shared between writers (so conversations are appended to from both hubs
                // at once), and every tenth message sent twice (a platform's retry: one event, two answers).
                var accepted = new ConcurrentDictionary<Guid, byte>();
                var writing = Enumerable
                    .Range(0, WritersPerHub * 2)
                    .Select(w =>
                        Task.Run(async () =>
                        {
                            var client = w % 2 == 0 ? first : second;
                            for (var i = 0; i < EngagementsPerWriter; i++)
                            {
                                var engagement = HubApi.Engagement(
                                    channel,
                                    $"m-{w}-{i}",
                                    $"+97150000{i % 7:D4}",
                                    $"رسالة {w}/{i} 📦"
                                );
                                for (var copy = 0; copy < (i % 10 == 0 ? 2 : 1); copy++)
                                {
                                    var answer = await client.IngestAsync(
                                        engagement,
                                        copy == 0 ? HttpStatusCode.Accepted : HttpStatusCode.OK
                                    );
                                    accepted.TryAdd(answer["engagementId"]!.GetValue<Guid>(), 0);
                                }
                            }
                        })
                    )
                    .ToList();

                // The reader: one page at a time from the cursor it was last handed, alternating hubs, until the
                // writers are done and a page comes back empty.
                var seen = new List<(long Sequence, Guid EngagementId)>();
                var cursor = 0L;
                var page = 0;
                while (true)
                {
                    var done = writing.All(t => t.IsCompleted);
                    var reader = page++ % 2 == 0 ? first : second;
                    var feed = await HubApi.ReadJson(
                        await reader.GetAsync($"/v1/events?after={cursor}&types=engagement.received&limit=25"),
                        HttpStatusCode.OK
                    );
                    var items = feed["items"]!.AsArray();
                    seen.AddRange(
                        items.Select(item =>
                            (item!["sequence"]!.GetValue<long>(), item["data"]!["engagementId"]!.GetValue<Guid>())
                        )
                    );
                    cursor = feed["next"]!.GetValue<long>();
                    if (done && items.Count == 0)
                    {
                        break;
                    }
                }

                await Task.WhenAll(writing);
                Assert.Multiple(() =>
                {
                    Assert.That(seen.Select(s => s.Sequence), Is.Ordered.Ascending.And.Unique, "in order, each once");
                    Assert.That(seen.Select(s => s.EngagementId), Is.Unique, "a platform's retry is one engagement");
                    Assert.That(
                        seen.Select(s => s.EngagementId),
                        Is.EquivalentTo(accepted.Keys),
                        "every accepted engagement, none missed"
                    );
                    Assert.That(accepted, Has.Count.EqualTo(WritersPerHub * 2 * EngagementsPerWriter));
                });
            }
        );
    }

    [Test]
    public async Task One_event_carries_one_sequence_on_the_changefeed_on_rabbitmq_and_in_webhooks()
    {
        await using var tap = await RabbitTap.BindAsync("socialcare.engagement.received");
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var hub = await new HubFactory(
            new Dictionary<string, string?> { ["Webhooks:AllowPrivateTargets"] = "true" }
        ).StartAsync();
        var (workspaceId, client) = await hub.CreateTenantAsync("one sequence");
        using (client)
        {
            await HubApi.ReadJson(
                await client.PostAsJsonAsync(
                    "/v1/subscriptions",
                    new { url = receiver.Url("/seq"), eventTypes = new[] { "engagement.received" } }
                ),
                HttpStatusCode.Created
            );
            var channel = await client.CreateChannelAsync("sms", "Namshi");
            foreach (var i in Enumerable.Range(0, 3))
            {
                await client.IngestAsync(HubApi.Engagement(channel, $"seq-{i}", $"+9715000001{i}"));
            }

            var feed = (await client.WaitForEventsAsync(3, "engagement.received")).ToDictionary(
                e => e!["id"]!.GetValue<Guid>(),
                e => e!["sequence"]!.GetValue<long>()
            );
            var bus = (await tap.WaitForAsync(workspaceId, 3)).ToDictionary(
                m => m["eventId"]!.GetValue<Guid>(),
                m => m["sequence"]!.GetValue<long>()
            );
            var hooks = (await receiver.WaitForAsync(r => r.Path == "/seq", 3))
                .Select(r => JsonNode.Parse(r.Body)!)
                .ToDictionary(
                    e => Guid.Parse(e["id"]!.GetValue<string>()),
                    // The envelope's sequence is the CloudEvents extension's string; the body's is the number.
                    e => long.Parse(e["sequence"]!.GetValue<string>(), CultureInfo.InvariantCulture)
                );
            Assert.Multiple(() =>
            {
                Assert.That(bus, Is.EquivalentTo(feed), "RabbitMQ");
                Assert.That(hooks, Is.EquivalentTo(feed), "webhooks");
            });
        }
    }

    [Test]
    public async Task Nothing_accepted_is_lost_when_the_hub_is_killed_mid_load()
    {
        await TestEnvironment.WithDatabaseAsync(
            "kill-9",
            async database =>
            {
                await using var tap = await RabbitTap.BindAsync("socialcare.engagement.received");
                await using var survivor = await new HubFactory(
                    new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = database }
                ).StartAsync();
                var workspaceId = await survivor.CreateWorkspaceAsync("kill -9");
                var (_, key) = await survivor.CreateKeyAsync(
                    workspaceId,
                    "kill app",
                    [.. SocialCare.Api.Authorization.Scopes.All]
                );
                using var client = survivor.ClientWithKey(key);
                var channel = await client.CreateChannelAsync("sms", "Namshi");

                // The victim: the hub as a process of its own, on the same database and broker, taking the load.
                await using var victim = await TestHubProcess.StartAsync(database);
                using var load = new HttpClient
                {
                    BaseAddress = victim.BaseAddress,
                    Timeout = TimeSpan.FromSeconds(10),
                };
                load.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
                    "Bearer",
                    key
                );

                // Sixteen clients post until the hub dies under them; what it answered 202 to was accepted.
                var accepted = new ConcurrentDictionary<Guid, byte>();
                var answered = 0;
                var clients = Enumerable
                    .Range(0, 16)
                    .Select(c =>
                        Task.Run(async () =>
                        {
                            for (var i = 0; ; i++)
                            {
                                try
                                {
                                    using var response = await load.PostAsJsonAsync(
                                        "/v1/engagements",
                                        HubApi.Engagement(channel, $"k-{c}-{i}", $"+9715{c:D2}{i % 5:D5}")
                                    );
                                    if (response.StatusCode == HttpStatusCode.Accepted)
                                    {
                                        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                                        accepted.TryAdd(body["engagementId"]!.GetValue<Guid>(), 0);
                                        Interlocked.Increment(ref answered);
                                    }
                                }
                                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                                {
                                    return;
                                }
                            }
                        })
                    )
                    .ToList();
                await Eventually.Until(
                    () => Task.FromResult(Volatile.Read(ref answered)),
                    n => n >= 300,
                    what: "300 engagements accepted"
                );
                await victim.KillAsync();
                await Task.WhenAll(clients);

                // Every accepted engagement is in the log and reaches RabbitMQ, relayed by the hub that is left.
                var logged = await Eventually.Until(
                    async () => await EngagementIdsAsync(client),
                    ids => accepted.Keys.All(ids.Contains),
                    what: "every accepted engagement in the changefeed"
                );
                var published = await tap.WaitForAsync(workspaceId, accepted.Count, TimeSpan.FromSeconds(60));
                Assert.Multiple(() =>
                {
                    Assert.That(accepted.Keys, Is.SubsetOf(logged));
                    Assert.That(accepted.Keys, Is.SubsetOf(published.Select(m => m["engagementId"]!.GetValue<Guid>())));
                });
            }
        );
    }

    private static async Task<HashSet<Guid>> EngagementIdsAsync(HttpClient client)
    {
        var ids = new HashSet<Guid>();
        var cursor = 0L;
        while (true)
        {
            var feed = await HubApi.ReadJson(
                await client.GetAsync($"/v1/events?after={cursor}&types=engagement.received&limit=500"),
                HttpStatusCode.OK
            );
            var items = feed["items"]!.AsArray();
            if (items.Count == 0)
            {
                return ids;
            }

            ids.UnionWith(items.Select(i => i!["data"]!["engagementId"]!.GetValue<Guid>()));
            cursor = feed["next"]!.GetValue<long>();
        }
    }
}
