using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Webhooks;

/// <summary>A subscriber that was away gets everything: retried until it is back, or replayed from the log on
/// request.</summary>
public sealed class Webhook_recovery : HubFixture
{
    protected override bool OwnDatabase => true;

    // A compressed schedule that keeps retrying for about half a minute.
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(
            Enumerable
                .Range(0, 60)
                .Select(i =>
                    KeyValuePair.Create($"Webhooks:RetrySchedule:{i}", (string?)(i == 0 ? "00:00:00" : "00:00:00.500"))
                )
        )
        {
            ["Webhooks:AllowPrivateTargets"] = "true",
            ["Webhooks:AttemptTimeout"] = "00:00:30",
            ["Webhooks:MaxConcurrentDeliveries"] = "8",
            ["Webhooks:MaxConcurrentPerEndpoint"] = "3",
            ["RateLimiting:PermitsPerSecond"] = "100000",
            ["RateLimiting:Burst"] = "100000",
        };

    private static async Task<Guid> Subscribe(
        HttpClient client,
        string url,
        string[] eventTypes,
        object? filters = null
    ) =>
        (
            await HubApi.ReadJson(
                await client.PostAsJsonAsync(
                    "/v1/subscriptions",
                    new
                    {
                        url,
                        eventTypes,
                        filters,
                    }
                ),
                HttpStatusCode.Created
            )
        )["id"]!.GetValue<Guid>();

    [Test]
    public async Task A_receiver_down_while_1000_engagements_arrive_gets_every_one_exactly_once_when_back()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var up = false;
        receiver.Respond = (_, _) => Volatile.Read(ref up) ? 200 : 503;
        var (_, client) = await Hub.CreateTenantAsync("outage");
        using (client)
        {
            await Subscribe(client, receiver.Url("/down"), ["engagement.received"]);
            var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
            var engagements = new List<Guid>();
            foreach (var chunk in Enumerable.Range(0, 1000).Chunk(50))
            {
                var answers = await Task.WhenAll(
                    chunk.Select(i => client.IngestAsync(HubApi.Engagement(channel, $"wamid.{i}", $"9715{i % 97:D8}")))
                );
                engagements.AddRange(answers.Select(a => a["engagementId"]!.GetValue<Guid>()));
            }

            await receiver.WaitForAsync(r => r.AnsweredWith == 503, 1000, TimeSpan.FromSeconds(60));
            Volatile.Write(ref up, true);
            var delivered = await receiver.WaitForAsync(r => r.AnsweredWith == 200, 1000, TimeSpan.FromSeconds(60));

            var ids = delivered
                .Select(r => JsonNode.Parse(r.Body)!["data"]!["engagementId"]!.GetValue<Guid>())
                .ToList();
            Assert.Multiple(() =>
            {
                Assert.That(ids, Is.EquivalentTo(engagements), "every engagement, none missing, none delivered twice");
                Assert.That(delivered.Select(r => r.Headers["webhook-id"]).Distinct().Count(), Is.EqualTo(1000));
            });
        }
    }

    [Test]
    public async Task Replay_from_a_sequence_resends_exactly_the_matching_events()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, client) = await Hub.CreateTenantAsync("replay");
        using (client)
        {
            var subscriptionId = await Subscribe(
                client,
                receiver.Url("/zara"),
                ["engagement.received"],
                new { brands = new[] { "Zara" } }
            );
            var zara = await client.CreateChannelAsync("instagram", "Zara");
            var hm = await client.CreateChannelAsync("instagram", "H&M");
            for (var i = 0; i < 4; i++)
            {
                await client.IngestAsync(HubApi.Engagement(zara, $"zara-{i}", $"ig-{i}"));
                await client.IngestAsync(HubApi.Engagement(hm, $"hm-{i}", $"ig-{i}"));
            }

            var live = (await receiver.WaitForAsync(r => r.Path == "/zara", 4))
                .Select(r => JsonNode.Parse(r.Body)!)
                .OrderBy(e => e["sequence"]!.GetValue<string>(), StringComparer.Ordinal)
                .ToList();
            var from = long.Parse(live[1]["sequence"]!.GetValue<string>(), CultureInfo.InvariantCulture);

            var replay = await HubApi.ReadJson(
                await client.PostAsJsonAsync($"/v1/subscriptions/{subscriptionId}/replay", new { fromSequence = from }),
                HttpStatusCode.OK
            );
            Assert.That(replay["replayed"]!.GetValue<int>(), Is.EqualTo(3));
            Assert.That(replay["next"], Is.Null, "the whole log was scanned");

            var all = await receiver.WaitForAsync(r => r.Path == "/zara", 7);
            var again = all.Skip(4).Select(r => r.Headers["webhook-id"]).Order().ToList();
            Assert.That(
                again,
                Is.EqualTo(live.Skip(1).Select(e => e["id"]!.GetValue<string>()).Order().ToList()),
                "the same webhook-ids again, from the sequence on, and only Zara's"
            );
        }
    }

    [Test]
    public async Task An_endpoint_that_hangs_holds_only_its_own_slots()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Hangs = path => path == "/hangs";
        var (_, client) = await Hub.CreateTenantAsync("hangs");
        using (client)
        {
            await Subscribe(client, receiver.Url("/hangs"), ["engagement.received"]);
            await Subscribe(client, receiver.Url("/fine"), ["engagement.received"]);
            var channel = await client.CreateChannelAsync("sms", "du");
            for (var i = 0; i < 20; i++)
            {
                await client.IngestAsync(HubApi.Engagement(channel, $"s-{i}", $"+97150000{i:D4}"));
            }

            // Were the hanging endpoint allowed every slot, the others would wait for its 30 s timeouts.
            var fine = await receiver.WaitForAsync(r => r.Path == "/fine", 20, TimeSpan.FromSeconds(15));
            Assert.That(fine.Select(r => r.Headers["webhook-id"]).Distinct().Count(), Is.EqualTo(20));
        }
    }

    [Test]
    public async Task Deliveries_that_find_their_endpoints_slots_full_wait_in_the_table_and_each_goes_out_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.CloseGate();
        var (_, client) = await Hub.CreateTenantAsync("slots");
        using (client)
        {
            var subscriptionId = await Subscribe(client, receiver.Url("/slow"), ["engagement.received"]);
            var channel = await client.CreateChannelAsync("sms", "du");
            // Three slots for this endpoint, and its answers held back: the first three deliveries take the slots,
            // every later one is fanned out while they are taken and waits (in memory, or in the table) until they free
            // up.
            await Task.WhenAll(
                Enumerable
                    .Range(0, 30)
                    .Select(i => client.IngestAsync(HubApi.Engagement(channel, $"slot-{i}", $"+97150002{i:D4}")))
            );
            await Eventually.Until(
                () => Task.FromResult(receiver.Started),
                n => n >= 3,
                TimeSpan.FromSeconds(15),
                "the first three requests"
            );
            receiver.OpenGate();

            var received = await receiver.WaitForAsync(r => r.Path == "/slow", 30);
            Assert.That(received.Select(r => r.Headers["webhook-id"]).Distinct().Count(), Is.EqualTo(30));
            var log = await Eventually.Until(
                async () =>
                    (
                        await HubApi.ReadJson(
                            await client.GetAsync(
                                $"/v1/subscriptions/{subscriptionId}/deliveries?status=delivered&limit=100"
                            ),
                            HttpStatusCode.OK
                        )
                    )["items"]!.AsArray(),
                items => items.Count == 30,
                TimeSpan.FromSeconds(10),
                "30 deliveries recorded as delivered"
            );
            Assert.That(
                log.Select(d => d!["attempts"]!.GetValue<int>()),
                Is.All.EqualTo(1),
                "each sent once, by the fan-out or by the poller"
            );
            Assert.That(receiver.All.Count(r => r.Path == "/slow"), Is.EqualTo(30));
        }
    }

    [Test]
    public async Task Deliveries_held_for_a_subscription_deleted_meanwhile_are_not_sent()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.CloseGate();
        var (workspaceId, client) = await Hub.CreateTenantAsync("held-deleted");
        using (client)
        {
            var subscriptionId = await Subscribe(client, receiver.Url("/held"), ["engagement.received"]);
            var channel = await client.CreateChannelAsync("sms", "du");
            await Task.WhenAll(
                Enumerable
                    .Range(0, 12)
                    .Select(i => client.IngestAsync(HubApi.Engagement(channel, $"held-{i}", $"+97150003{i:D4}")))
            );
            // Three slots for the endpoint: three requests wait for their answers, the others wait in memory. Every
            // event is fanned out before the delete (an event fanned out at the same moment as a delete may still go
            // out).
            await Eventually.Until(
                () => Task.FromResult(receiver.Started),
                n => n >= 3,
                TimeSpan.FromSeconds(15),
                "the first three requests"
            );
            await Eventually.Until(
                () => Database.CountAsync("webhook_deliveries", workspaceId, ConnectionString),
                n => n == 12,
                TimeSpan.FromSeconds(15),
                "all twelve deliveries fanned out"
            );
            Assert.That(
                (await client.DeleteAsync($"/v1/subscriptions/{subscriptionId}")).StatusCode,
                Is.EqualTo(HttpStatusCode.NoContent)
            );
            receiver.OpenGate();

            // Settled: the three answered are recorded, and nothing is leased any more (what was held went back to the
            // table, where a deleted subscription's deliveries are never leased).
            var dataSource = Hub.Services.GetRequiredService<NpgsqlDataSource>();
            await Eventually.Until(
                async () =>
                {
                    await using var command = dataSource.CreateCommand(
                        """
                        select count(*) filter (where status = 'delivered'), count(*) filter (where status = 'pending'
                            and next_attempt_at > now())
                        from webhook_deliveries where workspace_id = $1
                        """
                    );
                    command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
                    await using var reader = await command.ExecuteReaderAsync();
                    await reader.ReadAsync();
                    return (Delivered: reader.GetInt64(0), Leased: reader.GetInt64(1));
                },
                c => c is { Delivered: 3, Leased: 0 },
                TimeSpan.FromSeconds(15),
                "three delivered and none leased"
            );
            Assert.That(receiver.Started, Is.EqualTo(3), "nothing more went out once the subscription was deleted");
        }
    }

    [Test]
    public async Task Replay_passes_over_an_event_that_no_longer_reads()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (workspaceId, client) = await Hub.CreateTenantAsync("replay-legacy");
        using (client)
        {
            var subscriptionId = await Subscribe(client, receiver.Url("/all"), ["*"]);
            // An event of a type this hub no longer knows (the relay dead-letters it), then a real engagement.
            var dataSource = Hub.Services.GetRequiredService<NpgsqlDataSource>();
            var legacy = Guid.CreateVersion7();
            await using (var batch = dataSource.CreateBatch())
            {
                batch.BatchCommands.Add(
                    new NpgsqlBatchCommand(
                        "insert into mt_streams (id, tenant_id, type, version) values ($1, $2::text, 'legacy', 1)"
                    )
                    {
                        Parameters =
                        {
                            new NpgsqlParameter { Value = legacy },
                            new NpgsqlParameter { Value = workspaceId },
                        },
                    }
                );
                batch.BatchCommands.Add(
                    new NpgsqlBatchCommand(
                        """
                        insert into mt_events (seq_id, id, stream_id, version, tenant_id, type, data)
                        values (nextval('mt_events_sequence'), $1, $2, 1, $3::text, 'legacy.retired', '{}')
                        """
                    )
                    {
                        Parameters =
                        {
                            new NpgsqlParameter { Value = Guid.CreateVersion7() },
                            new NpgsqlParameter { Value = legacy },
                            new NpgsqlParameter { Value = workspaceId },
                        },
                    }
                );
                await batch.ExecuteNonQueryAsync();
            }

            var channel = await client.CreateChannelAsync("sms", "du");
            await client.IngestAsync(HubApi.Engagement(channel, "s-legacy", "+971500000077"));
            await receiver.WaitForAsync(r => r.Path == "/all", 3);
            await client.WaitForEventsAsync(4);

            var replay = await HubApi.ReadJson(
                await client.PostAsJsonAsync($"/v1/subscriptions/{subscriptionId}/replay", new { fromSequence = 1 }),
                HttpStatusCode.OK
            );
            Assert.That(
                replay["replayed"]!.GetValue<int>(),
                Is.EqualTo(3),
                "the three readable events, not the retired one"
            );
        }
    }

    [Test]
    public async Task Replay_needs_exactly_one_starting_point()
    {
        var (_, client) = await Hub.CreateTenantAsync("replay-bad");
        using (client)
        {
            var subscriptionId = await Subscribe(client, "http://127.0.0.1:9/never", ["*"]);
            var problem = await HubApi.ReadJson(
                await client.PostAsJsonAsync(
                    $"/v1/subscriptions/{subscriptionId}/replay",
                    new { fromSequence = 1, fromTime = DateTimeOffset.UtcNow }
                ),
                HttpStatusCode.BadRequest
            );
            Assert.That(problem["errors"]!["fromSequence"], Is.Not.Null);
            await HubApi.ReadJson(
                await client.PostAsJsonAsync($"/v1/subscriptions/{Guid.NewGuid()}/replay", new { fromSequence = 1 }),
                HttpStatusCode.NotFound
            );
        }
    }
}
