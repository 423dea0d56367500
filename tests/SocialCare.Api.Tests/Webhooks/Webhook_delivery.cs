using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Webhooks;

/// <summary>Deliveries to a real local HTTP receiver: signed, retried, logged, isolated, filtered.</summary>
public sealed class Webhook_delivery : HubFixture
{
    protected override bool OwnDatabase => true;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Webhooks:AllowPrivateTargets"] = "true",
            ["Webhooks:RetrySchedule:0"] = "00:00:00",
            ["Webhooks:RetrySchedule:1"] = "00:00:00.100",
            ["Webhooks:RetrySchedule:2"] = "00:00:00.100",
            ["Webhooks:RetrySchedule:3"] = "00:00:00.100",
        };

    private static async Task<(Guid Id, string Secret)> Subscribe(
        HttpClient client,
        string url,
        string[]? eventTypes = null,
        object? filters = null
    )
    {
        var created = await HubApi.ReadJson(
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
        );
        return (created["id"]!.GetValue<Guid>(), created["secret"]!.GetValue<string>());
    }

    /// <summary>The Standard Webhooks verification, written from the spec independently of the hub's signer.</summary>
    private static bool Verifies(string secret, WebhookReceiver.Received r)
    {
        var key = Convert.FromBase64String(secret.Split('_', 2)[1]);
        var signedContent = Encoding
            .UTF8.GetBytes($"{r.Headers["webhook-id"]}.{r.Headers["webhook-timestamp"]}.")
            .Concat(r.Body)
            .ToArray();
        var expected = Convert.ToBase64String(new HMACSHA256(key).ComputeHash(signedContent));
        var fresh =
            Math.Abs(
                DateTimeOffset.UtcNow.ToUnixTimeSeconds()
                    - long.Parse(r.Headers["webhook-timestamp"], System.Globalization.CultureInfo.InvariantCulture)
            ) < 300;
        return fresh
            && r.Headers["webhook-signature"]
                .Split(' ')
                .Any(s =>
                    s.StartsWith("v1,", StringComparison.Ordinal)
                    && CryptographicOperations.FixedTimeEquals(
                        Encoding.ASCII.GetBytes(s[3..]),
                        Encoding.ASCII.GetBytes(expected)
                    )
                );
    }

    [Test]
    public async Task Delivery_is_a_cloudevent_signed_so_an_independent_verifier_accepts_it()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (workspaceId, client) = await Hub.CreateTenantAsync("signed");
        using (client)
        {
            var (_, secret) = await Subscribe(client, receiver.Url("/signed"), ["engagement.received"]);
            var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
            var ids = await client.IngestAsync(HubApi.Engagement(channel, "wamid.hook", "447700900123", "مرحبا 👋"));

            var request = (await receiver.WaitForAsync(r => r.Path == "/signed", 1)).Single();
            var cloudEvent = JsonNode.Parse(request.Body)!;
            Assert.Multiple(() =>
            {
                Assert.That(
                    Verifies(secret, request),
                    Is.True,
                    "an independent Standard Webhooks verifier accepts the signature"
                );
                Assert.That(
                    Verifies(secret, request with { Body = Encoding.UTF8.GetBytes("{\"tampered\":true}") }),
                    Is.False
                );
                Assert.That(request.Headers["content-type"], Does.StartWith("application/cloudevents+json"));
                Assert.That(cloudEvent["specversion"]!.GetValue<string>(), Is.EqualTo("1.0"));
                Assert.That(cloudEvent["type"]!.GetValue<string>(), Is.EqualTo("engagement.received"));
                Assert.That(cloudEvent["id"]!.GetValue<string>(), Is.EqualTo(request.Headers["webhook-id"]));
                Assert.That(cloudEvent["source"]!.GetValue<string>(), Is.EqualTo($"/v1/workspaces/{workspaceId}"));
                Assert.That(
                    cloudEvent["subject"]!.GetValue<string>(),
                    Is.EqualTo(ids["conversationId"]!.GetValue<string>())
                );
                Assert.That(cloudEvent["sequence"]!.GetValue<string>(), Does.Match("^[0-9]{19}$"));
                Assert.That(
                    long.Parse(cloudEvent["sequence"]!.GetValue<string>(), CultureInfo.InvariantCulture),
                    Is.EqualTo(cloudEvent["data"]!["sequence"]!.GetValue<long>()).And.GreaterThan(0)
                );
                Assert.That(
                    cloudEvent["dataschema"]!.GetValue<string>(),
                    Is.EqualTo($"urn:socialcare:schema:event:{cloudEvent["type"]}:v1")
                );
                Assert.That(cloudEvent["data"]!["text"]!.GetValue<string>(), Is.EqualTo("مرحبا 👋"));
                Assert.That(
                    cloudEvent["data"]!["engagementId"]!.GetValue<Guid>(),
                    Is.EqualTo(ids["engagementId"]!.GetValue<Guid>())
                );
            });
        }
    }

    /// <summary>An event without a subject (an SLA policy's, a rule's) has <c>"subject": null</c> in its envelope; its
    /// retries, leased from the database, are sent like any other and keep the event's trace.</summary>
    [Test]
    public async Task An_event_without_a_subject_is_retried_until_delivered_in_its_trace()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, seenBefore) => seenBefore < 1 ? 500 : 200;
        var (_, client) = await Hub.CreateTenantAsync("no subject");
        using (client)
        {
            var (subscriptionId, _) = await Subscribe(client, receiver.Url("/policies"), ["sla_policy.created"]);
            await HubApi.ReadJson(
                await client.PostAsJsonAsync("/v1/sla-policies", new { name = "VIP ⭐ مميز", firstResponse = "PT15M" }),
                HttpStatusCode.Created
            );

            var delivered = (
                await receiver.WaitForAsync(r => r.Path == "/policies" && r.AnsweredWith == 200, 1)
            ).Single();
            var attempts = receiver.All.Where(r => r.Path == "/policies").ToList();
            var envelope = JsonNode.Parse(delivered.Body)!.AsObject();
            Assert.Multiple(() =>
            {
                Assert.That(envelope["subject"], Is.Null, "the event has no subject");
                Assert.That(envelope.ContainsKey("subject"), Is.True);
                Assert.That(attempts.Select(r => r.AnsweredWith), Is.EqualTo(new[] { 500, 200 }));
                Assert.That(
                    attempts.Select(r => r.Headers["traceparent"].Split('-')[1]).Distinct().Single(),
                    Is.EqualTo(envelope["traceparent"]!.GetValue<string>().Split('-')[1]),
                    "the retry continues the event's trace"
                );
            });
            await Eventually.Until(
                async () =>
                    await HubApi.ReadJson(
                        await client.GetAsync($"/v1/subscriptions/{subscriptionId}/deliveries"),
                        HttpStatusCode.OK
                    ),
                l => l["items"]!.AsArray().Single()!["status"]!.GetValue<string>() == "delivered",
                what: "the delivery to be recorded as delivered"
            );
        }
    }

    [Test]
    public async Task Receiver_failing_its_first_attempts_gets_every_event_once_and_the_log_shows_the_failures()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, seenBefore) => seenBefore < 2 ? 500 : 200;
        var (_, client) = await Hub.CreateTenantAsync("flaky");
        using (client)
        {
            var (subscriptionId, _) = await Subscribe(
                client,
                receiver.Url("/flaky"),
                ["conversation.opened", "engagement.received"]
            );
            var channel = await client.CreateChannelAsync("sms", "du");
            await client.IngestAsync(HubApi.Engagement(channel, "s-1", "+971500000009"));

            var delivered = await receiver.WaitForAsync(r => r.Path == "/flaky" && r.AnsweredWith == 200, 2);
            var log = await Eventually.Until(
                async () =>
                    await HubApi.ReadJson(
                        await client.GetAsync($"/v1/subscriptions/{subscriptionId}/deliveries"),
                        HttpStatusCode.OK
                    ),
                l => l["items"]!.AsArray().All(d => d!["status"]!.GetValue<string>() == "delivered"),
                what: "both deliveries to be marked delivered"
            );
            Assert.Multiple(() =>
            {
                Assert.That(
                    delivered.Select(r => r.Headers["webhook-id"]).Distinct().Count(),
                    Is.EqualTo(2),
                    "each event succeeded exactly once"
                );
                Assert.That(
                    receiver.All.Count(r => r.Path == "/flaky"),
                    Is.EqualTo(6),
                    "two failures and one success per event"
                );
                Assert.That(log["items"]!.AsArray().Select(d => d!["attempts"]!.GetValue<int>()), Is.All.EqualTo(3));
                Assert.That(
                    log["items"]![0]!["attemptLog"]!.AsArray().Select(a => a!["statusCode"]!.GetValue<int>()),
                    Is.EqualTo(new[] { 500, 500, 200 })
                );
                Assert.That(
                    log["items"]![0]!["attemptLog"]![0]!["responseBody"]!.GetValue<string>(),
                    Is.EqualTo("nope")
                );
            });
        }
    }

    [Test]
    public async Task Subscriptions_get_exactly_their_workspaces_events_that_match_types_and_filters()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, mine) = await Hub.CreateTenantAsync("filters mine");
        var (_, theirs) = await Hub.CreateTenantAsync("filters theirs");
        using (mine)
        using (theirs)
        {
            var (all, _) = await Subscribe(mine, receiver.Url("/all"), null);
            var (family, _) = await Subscribe(
                mine,
                receiver.Url("/conversation-family"),
                ["conversation.*"],
                new { brands = new[] { "Zara" } }
            );
            var (urgent, _) = await Subscribe(
                mine,
                receiver.Url("/urgent"),
                ["conversation.priority_changed", "conversation.tagged"],
                new { minPriority = "high" }
            );
            await Subscribe(theirs, receiver.Url("/theirs"), ["*"]);
            var zara = await mine.CreateChannelAsync("instagram", "Zara");
            var hm = await mine.CreateChannelAsync("instagram", "H&M");
            var zaraConversation = (await mine.IngestAsync(HubApi.Engagement(zara, "ig-1", "noura")))[
                "conversationId"
            ]!.GetValue<Guid>();
            await mine.IngestAsync(HubApi.Engagement(hm, "ig-2", "noura"));
            await mine.PostAsJsonAsync(
                $"/v1/conversations/{zaraConversation}/tags",
                new { add = new[] { "before-urgent" } }
            );
            await mine.PostAsJsonAsync($"/v1/conversations/{zaraConversation}/priority", new { level = "urgent" });

            async Task<List<string>> DeliveredTypes(Guid subscription) =>
                (
                    await HubApi.ReadJson(
                        await mine.GetAsync($"/v1/subscriptions/{subscription}/deliveries?status=delivered"),
                        HttpStatusCode.OK
                    )
                )["items"]!
                    .AsArray()
                    .Select(d => d!["eventType"]!.GetValue<string>())
                    .Order(StringComparer.Ordinal)
                    .ToList();

            // The catch-all subscription gets all 7 events (customer, 2 × opened, 2 × received, tagged, priority). The
            // fan-out writes every subscription's deliveries for an event in one statement, so once the catch-all has
            // all 7 rows, so has every other subscription: what they hold then is all they will ever get.
            await Eventually.Until(
                () => DeliveredTypes(all),
                t => t.Count == 7,
                what: "7 deliveries to the catch-all subscription"
            );
            var familyTypes = await Eventually.Until(
                () => DeliveredTypes(family),
                t => t.Count >= 3,
                what: "the conversation.* deliveries"
            );
            var urgentTypes = await Eventually.Until(
                () => DeliveredTypes(urgent),
                t => t.Count >= 1,
                what: "the urgent deliveries"
            );
            Assert.Multiple(() =>
            {
                Assert.That(
                    familyTypes,
                    Is.EqualTo(new[] { "conversation.opened", "conversation.priority_changed", "conversation.tagged" })
                );
                Assert.That(
                    urgentTypes,
                    Is.SubsetOf(new[] { "conversation.priority_changed", "conversation.tagged" })
                        .And.Contains("conversation.priority_changed")
                );
                Assert.That(
                    receiver
                        .All.Where(r => r.Path == "/conversation-family")
                        .Select(r => JsonNode.Parse(r.Body)!["type"]!.GetValue<string>())
                        .Order(StringComparer.Ordinal),
                    Is.EqualTo(familyTypes),
                    "what the endpoint received is what the log says was delivered"
                );
                Assert.That(
                    receiver.All.Any(r => r.Path == "/theirs"),
                    Is.False,
                    "another workspace's subscription never receives these events"
                );
            });
        }
    }

    [Test]
    public async Task Disabled_subscriptions_pending_deliveries_wait_and_resume_when_it_is_enabled_again()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, client) = await Hub.CreateTenantAsync("paused");
        using (client)
        {
            var (subscriptionId, _) = await Subscribe(client, receiver.Url("/paused"), ["engagement.received"]);
            await HubApi.ReadJson(
                await client.PatchAsJsonAsync($"/v1/subscriptions/{subscriptionId}", new { enabled = false }),
                HttpStatusCode.OK
            );
            await Subscribe(client, receiver.Url("/probe"), ["engagement.received"]);
            var channel = await client.CreateChannelAsync("sms", "du");
            await client.IngestAsync(HubApi.Engagement(channel, "s-1", "+971500000011"));

            // The probe subscription's delivery is the clock: once it arrived, the disabled one had every chance.
            await receiver.WaitForAsync(r => r.Path == "/probe", 1);
            Assert.That(
                receiver.All.Any(r => r.Path == "/paused"),
                Is.False,
                "a disabled subscription gets no fan-out"
            );
            await HubApi.ReadJson(
                await client.PatchAsJsonAsync($"/v1/subscriptions/{subscriptionId}", new { enabled = true }),
                HttpStatusCode.OK
            );
            await client.IngestAsync(HubApi.Engagement(channel, "s-2", "+971500000011"));
            var resumed = await receiver.WaitForAsync(r => r.Path == "/paused", 1);
            Assert.That(
                resumed.Select(r => JsonNode.Parse(r.Body)!["data"]!["platformMessageId"]!.GetValue<string>()),
                Is.EqualTo(new[] { "s-2" }),
                "only the event after re-enabling is delivered"
            );
        }
    }

    [Test]
    public async Task Test_event_and_redelivery_reach_the_endpoint_signed_with_the_same_webhook_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, client) = await Hub.CreateTenantAsync("test and redeliver");
        using (client)
        {
            var (subscriptionId, secret) = await Subscribe(client, receiver.Url("/ping"), ["engagement.received"]);
            var queued = await HubApi.ReadJson(
                await client.PostAsync($"/v1/subscriptions/{subscriptionId}/test", null),
                HttpStatusCode.Accepted
            );
            var first = (await receiver.WaitForAsync(r => r.Path == "/ping", 1)).Single();
            Assert.Multiple(() =>
            {
                Assert.That(JsonNode.Parse(first.Body)!["type"]!.GetValue<string>(), Is.EqualTo("webhook.test"));
                Assert.That(Verifies(secret, first), Is.True);
            });

            var deliveryId = queued["deliveryId"]!.GetValue<Guid>();
            await Eventually.Until(
                async () =>
                    await HubApi.ReadJson(
                        await client.GetAsync($"/v1/subscriptions/{subscriptionId}/deliveries?status=delivered"),
                        HttpStatusCode.OK
                    ),
                l => l["items"]!.AsArray().Count == 1,
                what: "the test delivery to be marked delivered"
            );
            await HubApi.ReadJson(
                await client.PostAsync($"/v1/subscriptions/{subscriptionId}/deliveries/{deliveryId}/redeliver", null),
                HttpStatusCode.Accepted
            );
            var both = await receiver.WaitForAsync(r => r.Path == "/ping", 2);
            Assert.That(
                both.Select(r => r.Headers["webhook-id"]).Distinct().Count(),
                Is.EqualTo(1),
                "a redelivery keeps its webhook-id"
            );
            await HubApi.ReadProblem(
                await client.PostAsync(
                    $"/v1/subscriptions/{subscriptionId}/deliveries/{Guid.NewGuid()}/redeliver",
                    null
                ),
                HttpStatusCode.NotFound,
                "not-found"
            );
        }
    }

    [Test]
    public async Task Endpoint_answering_410_gets_its_subscription_disabled()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (path, _) => path == "/gone" ? 410 : 200;
        var (_, client) = await Hub.CreateTenantAsync("gone");
        using (client)
        {
            var (subscriptionId, _) = await Subscribe(
                client,
                receiver.Url("/gone"),
                ["engagement.received", "subscription.*"]
            );
            await Subscribe(client, receiver.Url("/ops"), ["subscription.*"]);
            var channel = await client.CreateChannelAsync("sms", "du");
            await client.IngestAsync(HubApi.Engagement(channel, "s-1", "+971500000010"));
            var subscription = await Eventually.Until(
                async () =>
                    await HubApi.ReadJson(
                        await client.GetAsync($"/v1/subscriptions/{subscriptionId}"),
                        HttpStatusCode.OK
                    ),
                s => !s["enabled"]!.GetValue<bool>(),
                what: "the subscription to be disabled"
            );
            Assert.That(subscription["disabledReason"]!.GetValue<string>(), Does.Contain("410"));

            var told = JsonNode.Parse((await receiver.WaitForAsync(r => r.Path == "/ops", 1)).Single().Body)!;
            Assert.Multiple(() =>
            {
                Assert.That(told["type"]!.GetValue<string>(), Is.EqualTo("subscription.disabled"));
                Assert.That(told["subject"]!.GetValue<Guid>(), Is.EqualTo(subscriptionId));
                Assert.That(told["data"]!["subscriptionId"]!.GetValue<Guid>(), Is.EqualTo(subscriptionId));
                Assert.That(told["data"]!["reason"]!.GetValue<string>(), Does.Contain("410"));
                Assert.That(
                    receiver.All.Count(r => r.Path == "/gone"),
                    Is.EqualTo(1),
                    "410 is not retried, and the event about it is not sent to it"
                );
            });
        }
    }

    [Test]
    public async Task An_exhausted_delivery_is_an_event_the_other_subscribers_hear_of()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (path, _) => path == "/dead" ? 500 : 200;
        var (_, client) = await Hub.CreateTenantAsync("exhausted");
        using (client)
        {
            var (dead, _) = await Subscribe(client, receiver.Url("/dead"), ["engagement.received", "webhook.*"]);
            await Subscribe(client, receiver.Url("/ops"), ["webhook.*"]);
            var channel = await client.CreateChannelAsync("sms", "du");
            await client.IngestAsync(HubApi.Engagement(channel, "s-1", "+971500000012"));

            var told = JsonNode.Parse((await receiver.WaitForAsync(r => r.Path == "/ops", 1)).Single().Body)!;
            Assert.Multiple(() =>
            {
                Assert.That(told["type"]!.GetValue<string>(), Is.EqualTo("webhook.delivery_exhausted"));
                Assert.That(told["data"]!["subscriptionId"]!.GetValue<Guid>(), Is.EqualTo(dead));
                Assert.That(told["data"]!["failedEventType"]!.GetValue<string>(), Is.EqualTo("engagement.received"));
                Assert.That(told["data"]!["attempts"]!.GetValue<int>(), Is.EqualTo(4), "every attempt of the schedule");
                Assert.That(told["data"]!["lastStatusCode"]!.GetValue<int>(), Is.EqualTo(500));
                Assert.That(
                    receiver.All.Count(r => r.Path == "/dead"),
                    Is.EqualTo(4),
                    "the event about the dead delivery is not sent to its own endpoint"
                );
            });
            var log = await HubApi.ReadJson(
                await client.GetAsync($"/v1/subscriptions/{dead}/deliveries"),
                HttpStatusCode.OK
            );
            Assert.That(
                log["items"]!.AsArray().Select(d => d!["eventType"]!.GetValue<string>()),
                Is.EqualTo(new[] { "engagement.received" })
            );
        }
    }
}
