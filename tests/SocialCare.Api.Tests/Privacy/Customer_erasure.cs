using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Privacy;

/// <summary>
/// Erasing a customer (issue 20, points 4 and 5): afterwards no read, changefeed page, stream replay, webhook replay or
/// redelivery, report or <c>pg_dump</c> of the hub's own database holds a marker the customer (or a customer merged
/// into them) wrote or was named by, while the non-personal facts stay; every subscriber that received their data is
/// told and confirms.
/// </summary>
public sealed class Customer_erasure : HubFixture
{
    protected override bool OwnDatabase => true;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Webhooks:AllowPrivateTargets"] = "true" };

    private static string Marker() => "ERASE" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A customer whose every personal field holds <paramref name="marker"/>; the conversation id.</summary>
    private static async Task<(Guid Conversation, Guid Customer)> TellAsync(
        HttpClient client,
        Guid channel,
        string marker
    )
    {
        var ids = await client.IngestAsync(
            new
            {
                channelId = channel,
                platformMessageId = $"m-{Guid.NewGuid():N}",
                threadKey = $"thread-{marker}",
                author = new
                {
                    platformUserId = $"user-{marker}",
                    displayName = $"Layla {marker} ليلى 🌷",
                    handle = $"@{marker}",
                },
                text = $"My card ends {marker} — شكرا 🙏",
                visibility = "private",
                occurredAt = DateTimeOffset.UtcNow.AddSeconds(-1),
                metadata = new { crm = marker },
                attachments = new[]
                {
                    new
                    {
                        type = "image",
                        mediaType = "image/jpeg",
                        url = $"https://cdn.example.com/{marker}.jpg",
                    },
                },
            }
        );
        var conversation = ids["conversationId"]!.GetValue<Guid>();
        var customer = ids["customerId"]!.GetValue<Guid>();
        await MarkedActions.ActAsync(client, conversation, marker);
        await HubApi.ReadJson(
            await client.PostAsJsonAsync($"/v1/conversations/{conversation}/tags", new { add = new[] { "refund" } }),
            HttpStatusCode.OK
        );
        await HubApi.ReadJson(
            await client.PostAsJsonAsync(
                $"/v1/conversations/{conversation}/links",
                new
                {
                    system = "billing",
                    recordType = "invoice",
                    recordId = $"INV-{conversation:N}",
                }
            ),
            HttpStatusCode.OK
        );
        await HubApi.ReadJson(
            await client.PostAsJsonAsync(
                $"/v1/conversations/{conversation}/feedback",
                new
                {
                    kind = "csat",
                    score = 5,
                    comment = $"Great {marker}",
                }
            ),
            HttpStatusCode.OK
        );
        return (conversation, customer);
    }

    private static async Task<string> ReadAllAsync(HttpClient client, string path) =>
        (await HubApi.ReadJson(await client.GetAsync(path), HttpStatusCode.OK)).ToJsonString(
            new System.Text.Json.JsonSerializerOptions
            {
                Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            }
        );

    [Test]
    public async Task Nothing_the_hub_serves_or_stores_holds_an_erased_customers_data_and_the_subscriber_confirms()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (workspaceId, client) = await Hub.CreateTenantAsync("erasure");
        using (client)
        {
            var subscription = (
                await HubApi.ReadJson(
                    await client.PostAsJsonAsync(
                        "/v1/subscriptions",
                        new { url = receiver.Url("/crm"), eventTypes = new[] { "engagement.*", "reply.*" } }
                    ),
                    HttpStatusCode.Created
                )
            )["id"]!.GetValue<Guid>();
            var channel = await client.CreateChannelAsync("app-chat", "Careem");
            var (erased, survivor, merged, kept) = (Marker(), Marker(), Marker(), Marker());
            var (conversation, customer) = await TellAsync(client, channel, erased);
            // A second profile of the same person, merged into the first: erased with it.
            var (_, other) = await TellAsync(client, channel, merged);
            await HubApi.ReadJson(
                await client.PostAsJsonAsync($"/v1/customers/{customer}/merge", new { customerId = other }),
                HttpStatusCode.OK
            );
            // Somebody else, who stays.
            var (keptConversation, _) = await TellAsync(client, channel, kept);
            using var keyedNote = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversation}/notes")
            {
                Content = JsonContent.Create(new { text = $"Keyed {erased}" }),
            };
            keyedNote.Headers.Add("Idempotency-Key", "note-before-erasure");
            await HubApi.ReadJson(await client.SendAsync(keyedNote), HttpStatusCode.OK);
            await receiver.WaitForAsync(r => r.Path == "/crm" && Encoding.UTF8.GetString(r.Body).Contains(erased), 2);
            var before = await PgDump.RunAsync(ConnectionString);
            Assert.That(before, Does.Contain(erased).And.Contain(merged).And.Contain(kept), "the dump sees the data");

            // A key that may not erase cannot, and another workspace cannot see the customer.
            var (_, careKey) = await Hub.CreateKeyAsync(workspaceId, "care", ["customers:read", "pii:read"]);
            using var care = Hub.ClientWithKey(careKey);
            await HubApi.ReadProblem(
                await care.PostAsync($"/v1/customers/{customer}/erasure", null),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            var (_, stranger) = await Hub.CreateTenantAsync("erasure stranger");
            using (stranger)
            {
                await HubApi.ReadProblem(
                    await stranger.PostAsync($"/v1/customers/{customer}/erasure", null),
                    HttpStatusCode.NotFound,
                    "not-found"
                );
            }

            // Erasing the merged-away id erases the person: the survivor and everything merged into it.
            var accepted = await HubApi.ReadJson(
                await client.PostAsync($"/v1/customers/{other}/erasure", null),
                HttpStatusCode.Accepted
            );
            var erasureId = accepted["erasureId"]!.GetValue<Guid>();
            Assert.Multiple(() =>
            {
                Assert.That(accepted["erasure"]!["customerId"]!.GetValue<Guid>(), Is.EqualTo(customer));
                Assert.That(
                    accepted["erasure"]!["mergedCustomerIds"]!.AsArray().Select(i => i!.GetValue<Guid>()),
                    Is.EqualTo(new[] { other })
                );
                Assert.That(accepted["erasure"]!["status"]!.GetValue<string>(), Is.EqualTo("awaiting_receipts"));
                Assert.That(accepted["erasure"]!["parties"]!.ToJsonString(), Does.Contain(subscription.ToString()));
            });
            // A key of another brand sees neither the customer nor the erasure.
            var (_, zaraKey) = await Hub.CreateKeyAsync(workspaceId, "zara", ["customers:erase"], ["Zara"]);
            using (var zara = Hub.ClientWithKey(zaraKey))
            {
                await HubApi.ReadProblem(
                    await zara.GetAsync($"/v1/erasures/{erasureId}"),
                    HttpStatusCode.NotFound,
                    "not-found"
                );
                await HubApi.ReadProblem(
                    await zara.PostAsync($"/v1/customers/{customer}/erasure", null),
                    HttpStatusCode.NotFound,
                    "not-found"
                );
            }

            var again = await HubApi.ReadJson(
                await client.PostAsync($"/v1/customers/{customer}/erasure", null),
                HttpStatusCode.OK
            );
            Assert.That(again["erasureId"]!.GetValue<Guid>(), Is.EqualTo(erasureId), "one erasure per customer");

            // The subscriber is told, although it did not subscribe to customer events.
            var told = await receiver.WaitForAsync(
                r => r.Path == "/crm" && Encoding.UTF8.GetString(r.Body).Contains("\"customer.erased\""),
                1
            );
            Assert.That(JsonNode.Parse(told[0].Body)!["data"]!["erasureId"]!.GetValue<Guid>(), Is.EqualTo(erasureId));

            // Nothing served holds it: reads, the changefeed, the stream from the start, the timeline.
            await client.WaitForEventsAsync(1, "customer.erased");
            foreach (
                var path in new[]
                {
                    $"/v1/conversations/{conversation}",
                    $"/v1/conversations/{conversation}/timeline?limit=500",
                    $"/v1/customers/{customer}",
                    "/v1/events?limit=500",
                }
            )
            {
                var body = await ReadAllAsync(client, path);
                Assert.Multiple(() =>
                {
                    Assert.That(body, Does.Not.Contain(erased).And.Not.Contain(merged), path);
                });
            }

            var feed = await ReadAllAsync(client, "/v1/events?limit=500");
            Assert.That(feed, Does.Contain(kept), "another customer's data stays");
            var (stream, response) = await EventStreamClient.OpenAsync(client, lastEventId: 0);
            using (response)
            using (stream)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                var replayed = await stream!.ReadEventsAsync(20, timeout.Token);
                Assert.That(replayed.Select(e => e.Item.ToJsonString()), Has.None.Contains(erased));
            }

            // Webhook replay and redelivery send the erased events.
            var sentBefore = receiver.All.Count;
            await HubApi.ReadJson(
                await client.PostAsJsonAsync($"/v1/subscriptions/{subscription}/replay", new { fromSequence = 1 }),
                HttpStatusCode.OK
            );
            var resent = await receiver.WaitForAsync(_ => true, sentBefore + 4);
            Assert.That(
                resent.Skip(sentBefore).Select(r => Encoding.UTF8.GetString(r.Body)),
                Has.None.Contains(erased).And.None.Contains(merged)
            );

            // Non-personal facts stay, and reports still add up.
            var view = await HubApi.ReadJson(
                await client.GetAsync($"/v1/conversations/{conversation}"),
                HttpStatusCode.OK
            );
            // The reports are projected a moment after the commit: wait until they count every event so far.
            var head = (await client.WaitForEventsAsync(1, "customer.erased"))[0]!["sequence"]!.GetValue<long>();
            var volume = await Eventually.Until(
                async () =>
                    await HubApi.ReadJson(await client.GetAsync("/v1/reports/volume?interval=day"), HttpStatusCode.OK),
                v => v["asOf"]!["sequence"]!.GetValue<long>() >= head,
                what: "the reports to count the erasure"
            );
            Assert.Multiple(() =>
            {
                Assert.That(view["tags"]!.AsArray().Select(t => t!.GetValue<string>()), Does.Contain("refund"));
                Assert.That(view["links"]![0]!["recordId"]!.GetValue<string>(), Is.EqualTo($"INV-{conversation:N}"));
                Assert.That(view["context"]!["erasure app"]!["segment"]!.GetValue<string>(), Is.EqualTo("gold"));
                Assert.That(view["personalContext"]!.AsObject(), Is.Empty);
                Assert.That(view["latestEngagements"]![0]!["text"], Is.Null);
                Assert.That(view["latestEngagements"]![0]!["platformMessageId"], Is.Not.Null);
                Assert.That(volume["total"]!["inbound"]!.GetValue<int>(), Is.EqualTo(3));
            });

            // pg_dump of the whole database: gone, the other customer's data still there.
            var after = await PgDump.RunAsync(ConnectionString);
            Assert.Multiple(() =>
            {
                Assert.That(after, Does.Not.Contain(erased));
                Assert.That(after, Does.Not.Contain(merged));
                Assert.That(after, Does.Contain(kept));
                Assert.That(after, Does.Contain($"INV-{conversation:N}"));
            });

            // The stored answer to the keyed note is gone: the same request runs again instead of replaying it.
            using var retry = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversation}/notes")
            {
                Content = JsonContent.Create(new { text = $"Keyed {erased}" }),
            };
            retry.Headers.Add("Idempotency-Key", "note-before-erasure");
            var retried = await client.SendAsync(retry);
            Assert.Multiple(() =>
            {
                Assert.That(retried.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(retried.Headers.Contains("Idempotent-Replayed"), Is.False);
            });

            // A new message from the same person starts afresh: a new customer.
            var fresh = await client.IngestAsync(HubApi.Engagement(channel, "m-again", $"user-{erased}", "hi again"));
            Assert.That(fresh["customerId"]!.GetValue<Guid>(), Is.Not.EqualTo(customer));
            Assert.That(fresh["conversationId"]!.GetValue<Guid>(), Is.Not.EqualTo(keptConversation));

            // The receipt: not a party is refused, the subscription's own confirms, and the erasure completes.
            await HubApi.ReadProblem(
                await client.PostAsJsonAsync($"/v1/erasures/{erasureId}/receipts", new { consumer = "nobody" }),
                HttpStatusCode.UnprocessableEntity,
                "not-a-party"
            );
            await HubApi.ReadProblem(
                await care.PostAsJsonAsync($"/v1/erasures/{erasureId}/receipts", new { subscriptionId = subscription }),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            var pending = await HubApi.ReadJson(await client.GetAsync($"/v1/erasures/{erasureId}"), HttpStatusCode.OK);
            Assert.That(pending["parties"]![0]!["confirmedAt"], Is.Null);
            var confirmed = await HubApi.ReadJson(
                await client.PostAsJsonAsync(
                    $"/v1/erasures/{erasureId}/receipts",
                    new { subscriptionId = subscription }
                ),
                HttpStatusCode.OK
            );
            Assert.Multiple(() =>
            {
                Assert.That(confirmed["status"]!.GetValue<string>(), Is.EqualTo("completed"));
                Assert.That(confirmed["parties"]![0]!["confirmedBy"]!.GetValue<string>(), Is.EqualTo("erasure app"));
            });
            var completed = await client.WaitForEventsAsync(1, "erasure.completed");
            Assert.That(completed[0]!["data"]!["erasureId"]!.GetValue<Guid>(), Is.EqualTo(erasureId));
        }
    }
}
