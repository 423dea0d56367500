using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Engagements;

/// <summary>
/// <c>POST /v1/engagements/batch</c> (issue 22): each item ingested as it would be alone, its outcome in order; one bad
/// item never fails the others; duplicates inside a batch and across batches; the size limits; Idempotency-Key.
/// Bodies here are limited to 16 KB, batches to 512 KB, so that a full batch is over the single limit.
/// </summary>
public sealed class Engagement_batches : HubFixture
{
    private const int SingleLimit = 16 * 1024;
    private const int BatchLimit = 512 * 1024;

    protected override bool OwnDatabase => true;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Api:MaxRequestBodyBytes"] = $"{SingleLimit}",
            ["Api:MaxBatchRequestBodyBytes"] = $"{BatchLimit}",
        };

    private static Task<HttpResponseMessage> PostBatchAsync(HttpClient client, params object?[] engagements) =>
        client.PostAsJsonAsync("/v1/engagements/batch", new { engagements });

    private static async Task<JsonArray> ResultsAsync(HttpResponseMessage response)
    {
        var body = await HubApi.ReadJson(response, HttpStatusCode.OK);
        var results = body["results"]!.AsArray();
        Assert.That(
            results.Select(r => r!["index"]!.GetValue<int>()),
            Is.EqualTo(Enumerable.Range(0, results.Count)),
            "results come in the order of the items"
        );
        Assert.That(
            new[] { body["accepted"]!, body["duplicates"]!, body["failed"]! }.Select(n => n.GetValue<int>()),
            Is.EqualTo(
                new[] { "accepted", "duplicate", "failed" }.Select(s =>
                    results.Count(r => r!["status"]!.GetValue<string>() == s)
                )
            ),
            "the counts match the items"
        );
        return results;
    }

    private static string Status(JsonNode? result) => result!["status"]!.GetValue<string>();

    private static string Ids(JsonNode? result) =>
        $"{result!["engagementId"]}/{result["conversationId"]}/{result["customerId"]}";

    [Test]
    public async Task Each_item_is_ingested_as_alone_and_answered_in_order()
    {
        var (_, client) = await Hub.CreateTenantAsync("batch");
        using var _ = client;
        var whatsapp = await client.CreateChannelAsync("whatsapp", "Namshi");
        var instagram = await client.CreateChannelAsync("instagram", "Namshi");

        var results = await ResultsAsync(
            await PostBatchAsync(
                client,
                HubApi.Engagement(whatsapp, "wamid.b1", "966500000101", "طلبي لم يصل 📦", displayName: "نورة"),
                HubApi.Engagement(instagram, "ig.b1", "noura.ig", "Any news? 🙏"),
                HubApi.Engagement(whatsapp, "wamid.b2", "966500000101", "Order 4411"),
                HubApi.Engagement(whatsapp, "wamid.b3", "966500000102", "Hi")
            )
        );

        Assert.That(results.Select(Status), Is.All.EqualTo("accepted"));
        Assert.Multiple(() =>
        {
            Assert.That(
                results[2]!["conversationId"]!.GetValue<Guid>(),
                Is.EqualTo(results[0]!["conversationId"]!.GetValue<Guid>()),
                "the same author's second message joins the first's conversation"
            );
            Assert.That(results[3]!["customerId"], Is.Not.EqualTo(results[0]!["customerId"]));
            Assert.That(results.Select(r => r!["problem"]), Is.All.Null);
        });
        // Sent alone afterwards, each item is the same engagement: 200 with the batch's ids.
        var alone = await client.IngestAsync(
            HubApi.Engagement(whatsapp, "wamid.b2", "966500000101", "Order 4411"),
            HttpStatusCode.OK
        );
        Assert.That(alone["engagementId"]!.GetValue<Guid>(), Is.EqualTo(results[2]!["engagementId"]!.GetValue<Guid>()));

        var conversation = await HubApi.ReadJson(
            await client.GetAsync($"/v1/conversations/{results[0]!["conversationId"]}"),
            HttpStatusCode.OK
        );
        Assert.Multiple(() =>
        {
            Assert.That(conversation["engagementCount"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(
                conversation["latestEngagements"]!.AsArray().Select(e => e!["text"]!.GetValue<string>()),
                Is.EquivalentTo(new[] { "طلبي لم يصل 📦", "Order 4411" })
            );
        });
        var events = await client.WaitForEventsAsync(10);
        Assert.That(
            events.Count(e => e!["type"]!.GetValue<string>() == "engagement.received"),
            Is.EqualTo(4),
            "one engagement.received per item"
        );
    }

    [Test]
    public async Task One_bad_item_fails_alone_with_the_problem_it_would_get_alone()
    {
        var (_, client) = await Hub.CreateTenantAsync("batch bad items");
        using var _ = client;
        var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
        var (_, other) = await Hub.CreateTenantAsync("batch other workspace");
        using var __ = other;
        var othersChannel = await other.CreateChannelAsync("whatsapp", "Namshi");
        var good = (string id) => Raw(HubApi.Engagement(channel, id, "966500000201", "مرحبا 👋"));
        var body = $$"""
            {"engagements": [
              {{good("ok.1")}},
              {{Raw(
                HubApi.Engagement(channel, "future", "966500000202", occurredAt: DateTimeOffset.UtcNow.AddHours(1))
            )}},
              {{Raw(HubApi.Engagement(Guid.CreateVersion7(), "nowhere", "966500000203"))}},
              {{Raw(HubApi.Engagement(othersChannel, "theirs", "966500000204"))}},
              {"channelId": "{{channel}}", "platformMessageId": "typed", "occurredAt": "yesterday"},
              {"channelId": "{{channel}}", "platformMessageId": "nul", "author": {"platformUserId": "9665"},
               "text": "a\u0000b", "visibility": "private", "occurredAt": "2026-11-30T10:00:00Z"},
              null,
              17,
              {{good("ok.2")}}
            ]}
            """;
        var results = await ResultsAsync(await client.PostAsync("/v1/engagements/batch", HubApi.Json(body)));

        Assert.That(
            results.Select(r => $"{Status(r)} {r!["problem"]?["status"]} {r["problem"]?["code"]}".Trim()),
            Is.EqualTo(
                new[]
                {
                    "accepted",
                    "failed 400 validation-failed",
                    "failed 422 unknown-channel",
                    "failed 422 unknown-channel",
                    "failed 400 malformed-json",
                    "failed 400 unsupported-character",
                    "failed 400 validation-failed",
                    "failed 400 malformed-json",
                    "accepted",
                }
            )
        );
        Assert.Multiple(() =>
        {
            Assert.That(results[1]!["problem"]!["errors"]!["occurredAt"], Is.Not.Null);
            Assert.That(results[1]!["problem"]!["type"]!.GetValue<string>(), Does.EndWith(":validation-failed"));
            Assert.That(results[4]!["problem"]!["detail"]!.GetValue<string>(), Does.Contain("$.occurredAt"));
            Assert.That(results[5]!["problem"]!["detail"]!.GetValue<string>(), Does.Contain("$.text"));
            Assert.That(results[1]!["engagementId"], Is.Null);
        });
        var conversation = await HubApi.ReadJson(
            await client.GetAsync($"/v1/conversations/{results[0]!["conversationId"]}"),
            HttpStatusCode.OK
        );
        Assert.That(conversation["engagementCount"]!.GetValue<int>(), Is.EqualTo(2), "both good items went in");
        var theirs = await HubApi.ReadJson(await other.GetAsync("/v1/conversations"), HttpStatusCode.OK);
        Assert.That(theirs["items"]!.AsArray(), Is.Empty, "nothing reached the other workspace");
    }

    [Test]
    public async Task A_brand_limited_key_ingests_only_into_its_brands()
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync("batch brands");
        using var _ = client;
        var namshi = await client.CreateChannelAsync("whatsapp", "Namshi");
        var ounass = await client.CreateChannelAsync("whatsapp", "Ounass");
        var (_, key) = await Hub.CreateKeyAsync(workspaceId, "namshi app", ["engagements:write"], ["Namshi"]);
        using var limited = Hub.ClientWithKey(key);

        var results = await ResultsAsync(
            await PostBatchAsync(
                limited,
                HubApi.Engagement(ounass, "o.1", "966500000301"),
                HubApi.Engagement(namshi, "n.1", "966500000301")
            )
        );
        Assert.That(
            results.Select(r => $"{Status(r)} {r!["problem"]?["code"]}".Trim()),
            Is.EqualTo(new[] { "failed unknown-channel", "accepted" })
        );

        var (_, readOnly) = await Hub.CreateTenantAsync("batch read only", "conversations:read");
        using var __ = readOnly;
        await HubApi.ReadProblem(
            await PostBatchAsync(readOnly, HubApi.Engagement(namshi, "n.2", "966500000301")),
            HttpStatusCode.Forbidden,
            "forbidden"
        );
    }

    [Test]
    public async Task Duplicates_inside_one_batch_and_across_batches_answer_the_first_ids()
    {
        var (_, client) = await Hub.CreateTenantAsync("batch dupes");
        using var _ = client;
        var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
        var first = await ResultsAsync(
            await PostBatchAsync(
                client,
                HubApi.Engagement(channel, "wamid.d1", "966500000401", "one"),
                HubApi.Engagement(channel, "wamid.d2", "966500000402", "two"),
                HubApi.Engagement(channel, "wamid.d1", "966500000401", "one, sent twice")
            )
        );
        Assert.Multiple(() =>
        {
            Assert.That(first.Select(Status), Is.EqualTo(new[] { "accepted", "accepted", "duplicate" }));
            Assert.That(Ids(first[2]), Is.EqualTo(Ids(first[0])));
        });

        var second = await ResultsAsync(
            await PostBatchAsync(
                client,
                HubApi.Engagement(channel, "wamid.d2", "966500000402", "two again"),
                HubApi.Engagement(channel, "wamid.d3", "966500000402", "three")
            )
        );
        Assert.Multiple(() =>
        {
            Assert.That(second.Select(Status), Is.EqualTo(new[] { "duplicate", "accepted" }));
            Assert.That(Ids(second[0]), Is.EqualTo(Ids(first[1])));
        });

        // Many batches with the same items at once: each message is ingested once.
        var racing = await Task.WhenAll(
            Enumerable
                .Range(0, 6)
                .Select(_ =>
                    PostBatchAsync(
                        client,
                        HubApi.Engagement(channel, "wamid.r1", "966500000403"),
                        HubApi.Engagement(channel, "wamid.r2", "966500000404")
                    )
                )
        );
        var raced = new List<JsonNode?>();
        foreach (var response in racing)
        {
            raced.AddRange(await ResultsAsync(response));
        }

        Assert.Multiple(() =>
        {
            Assert.That(raced.Count(r => Status(r) == "accepted"), Is.EqualTo(2));
            Assert.That(raced.Count(r => Status(r) == "duplicate"), Is.EqualTo(10));
            Assert.That(raced.Select(Ids).Distinct().Count(), Is.EqualTo(2));
        });
        // A later message is the probe: once its event is in the feed, nothing of the batches can be pending.
        await client.IngestAsync(HubApi.Engagement(channel, "wamid.probe", "966500000405"));
        var received = await client.WaitForEventsAsync(6, "engagement.received");
        Assert.That(
            received.Select(e => e!["data"]!["platformMessageId"]!.GetValue<string>()),
            Is.EquivalentTo(new[] { "wamid.d1", "wamid.d2", "wamid.d3", "wamid.r1", "wamid.r2", "wamid.probe" }),
            "each message once"
        );
    }

    [Test]
    public async Task One_authors_items_are_threaded_in_the_order_of_the_batch()
    {
        var (_, client) = await Hub.CreateTenantAsync("batch order");
        using var _ = client;
        var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
        var ids = Enumerable.Range(0, 300).Select(i => $"wamid.o{i:D3}").ToList();
        // Two authors interleaved, so that their items could be written together but each one's in its order.
        var results = await ResultsAsync(
            await PostBatchAsync(
                client,
                ids.Select((id, i) => HubApi.Engagement(channel, id, i % 2 == 0 ? "966500000501" : "966500000502"))
                    .ToArray()
            )
        );
        Assert.That(results.Select(Status), Is.All.EqualTo("accepted"));

        var received = await client.WaitForEventsAsync(300, "engagement.received");
        var order = received.Select(e => e!["data"]!["platformMessageId"]!.GetValue<string>()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(order.Where(id => ids.IndexOf(id) % 2 == 0), Is.EqualTo(ids.Where((_, i) => i % 2 == 0)));
            Assert.That(order.Where(id => ids.IndexOf(id) % 2 == 1), Is.EqualTo(ids.Where((_, i) => i % 2 == 1)));
        });
    }

    [Test]
    public async Task The_batch_has_its_own_size_limits()
    {
        var (_, client) = await Hub.CreateTenantAsync("batch limits");
        using var _ = client;
        var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
        object Item(int i) => HubApi.Engagement(channel, $"wamid.l{i}", $"96650000{i:D4}", "Where is my order? 📦");

        // 500 items: over the single request's limit, within the batch's.
        var full = Enumerable.Range(0, 500).Select(Item).ToArray();
        Assert.That(Encoding.UTF8.GetByteCount(Raw(new { engagements = full })), Is.GreaterThan(SingleLimit));
        var results = await ResultsAsync(await PostBatchAsync(client, full));
        Assert.That(results.Select(Status), Is.All.EqualTo("accepted"));

        var tooMany = await HubApi.ReadProblem(
            await PostBatchAsync(client, Enumerable.Range(500, 501).Select(Item).ToArray()),
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.That(tooMany["errors"]!["engagements"]![0]!.GetValue<string>(), Does.Contain("this one has 501"));
        // A hundred thousand tiny wrong items: counted, not each read and answered.
        var flood = await HubApi.ReadProblem(
            await client.PostAsync(
                "/v1/engagements/batch",
                HubApi.Json($"{{\"engagements\": [{string.Join(',', Enumerable.Repeat('1', 100_000))}]}}")
            ),
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.That(flood["errors"]!["engagements"]![0]!.GetValue<string>(), Does.Contain("this one has 100000"));
        await HubApi.ReadProblem(await PostBatchAsync(client), HttpStatusCode.BadRequest, "validation-failed");
        await HubApi.ReadProblem(
            await client.PostAsync("/v1/engagements/batch", HubApi.Json("""{"items": []}""")),
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        foreach (var malformed in new[] { "[]", """{"engagements": {}}""", """{"engagements": [""", "{} {}" })
        {
            await HubApi.ReadProblem(
                await client.PostAsync("/v1/engagements/batch", HubApi.Json(malformed)),
                HttpStatusCode.BadRequest,
                "malformed-json"
            );
        }

        await HubApi.ReadProblem(
            await client.PostAsync(
                "/v1/engagements/batch",
                new StringContent("engagements", Encoding.UTF8, "text/plain")
            ),
            HttpStatusCode.UnsupportedMediaType,
            "unsupported-media-type"
        );
        await HubApi.ReadProblem(
            await client.PostAsync("/v1/engagements/batch", HubApi.Json("")),
            HttpStatusCode.BadRequest,
            "bad-request"
        );

        // Over the batch's limit: 413, and nothing of it is written.
        var huge = new string('x', 60_000);
        var oversized = Enumerable
            .Range(0, 10)
            .Select(i => HubApi.Engagement(channel, $"wamid.huge{i}", "966500009999", huge))
            .ToArray();
        await HubApi.ReadProblem(
            await PostBatchAsync(client, oversized),
            HttpStatusCode.RequestEntityTooLarge,
            "payload-too-large"
        );
        await using var sql = new NpgsqlConnection(ConnectionString);
        await sql.OpenAsync();
        await using var count = new NpgsqlCommand(
            "select count(*) from engagements where platform_message_id like 'wamid.huge%'",
            sql
        );
        Assert.That(await count.ExecuteScalarAsync(), Is.EqualTo(0L));
    }

    [Test]
    public async Task An_Idempotency_Key_replays_the_first_answer()
    {
        var (_, client) = await Hub.CreateTenantAsync("batch idempotency");
        using var _ = client;
        var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
        var key = Guid.NewGuid().ToString();
        var body = new
        {
            engagements = new[]
            {
                HubApi.Engagement(channel, "wamid.i1", "966500000601"),
                HubApi.Engagement(channel, "wamid.i2", "966500000602"),
            },
        };

        var first = await SendWithKeyAsync(client, key, body);
        var again = await SendWithKeyAsync(client, key, body);
        var firstBody = await HubApi.ReadJson(first, HttpStatusCode.OK);
        var againBody = await HubApi.ReadJson(again, HttpStatusCode.OK);
        Assert.Multiple(() =>
        {
            Assert.That(firstBody["results"]!.AsArray().Select(Status), Is.All.EqualTo("accepted"));
            Assert.That(againBody.ToJsonString(), Is.EqualTo(firstBody.ToJsonString()), "the first answer, replayed");
            Assert.That(again.Headers.GetValues("Idempotent-Replayed"), Is.EqualTo(new[] { "true" }));
        });

        var other = new { engagements = new[] { HubApi.Engagement(channel, "wamid.i3", "966500000603") } };
        await HubApi.ReadProblem(
            await SendWithKeyAsync(client, key, other),
            HttpStatusCode.UnprocessableEntity,
            "idempotency-key-reused"
        );
    }

    /// <summary>
    /// An item that loses a race inside PostgreSQL (a deadlock, raised here by a trigger for its message alone) fails
    /// with 409 while the others go in; that answer is not stored under its Idempotency-Key, so the retry with the key
    /// tries the item again — and gets the others as duplicates, with their ids.
    /// </summary>
    [Test]
    public async Task An_item_a_retry_may_cure_is_tried_again_under_the_same_key()
    {
        var (_, client) = await Hub.CreateTenantAsync("batch retry");
        using var _ = client;
        var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
        await using var sql = new NpgsqlConnection(ConnectionString);
        await sql.OpenAsync();
        await ExecuteAsync(
            sql,
            """
            create function lose_batch_race() returns trigger language plpgsql as
                $$ begin raise exception 'injected deadlock' using errcode = '40P01'; end $$;
            create trigger lose_batch_race before insert on engagements for each row
                when (new.platform_message_id = 'wamid.raced') execute function lose_batch_race();
            """
        );
        var key = Guid.NewGuid().ToString();
        var body = new
        {
            engagements = new[]
            {
                HubApi.Engagement(channel, "wamid.calm", "966500000701"),
                HubApi.Engagement(channel, "wamid.raced", "966500000702"),
            },
        };
        try
        {
            var first = await ResultsAsync(await SendWithKeyAsync(client, key, body));
            Assert.That(
                first.Select(r => $"{Status(r)} {r!["problem"]?["status"]} {r["problem"]?["code"]}".Trim()),
                Is.EqualTo(new[] { "accepted", "failed 409 conflict" })
            );

            await ExecuteAsync(sql, "drop trigger lose_batch_race on engagements");
            var retry = await SendWithKeyAsync(client, key, body);
            var retried = await ResultsAsync(retry);
            Assert.Multiple(() =>
            {
                Assert.That(retry.Headers.Contains("Idempotent-Replayed"), Is.False);
                Assert.That(retried.Select(Status), Is.EqualTo(new[] { "duplicate", "accepted" }));
                Assert.That(Ids(retried[0]), Is.EqualTo(Ids(first[0])));
            });

            var replayed = await SendWithKeyAsync(client, key, body);
            Assert.That(replayed.Headers.GetValues("Idempotent-Replayed"), Is.EqualTo(new[] { "true" }));
        }
        finally
        {
            await ExecuteAsync(
                sql,
                "drop trigger if exists lose_batch_race on engagements; drop function lose_batch_race();"
            );
        }
    }

    private static async Task<HttpResponseMessage> SendWithKeyAsync(HttpClient client, string key, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/engagements/batch")
        {
            Content = JsonContent.Create(body),
        };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string Raw(object value) => System.Text.Json.JsonSerializer.Serialize(value, HubApi.Web);
}
