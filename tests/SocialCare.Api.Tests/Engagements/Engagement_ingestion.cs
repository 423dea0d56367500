using System.Net;
using System.Net.Http.Json;
using System.Text;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Engagements;

public sealed class Engagement_ingestion : HubFixture
{
    [Test]
    public async Task New_engagement_becomes_a_customer_a_conversation_and_events()
    {
        var (_, client) = await Hub.CreateTenantAsync("ingest");
        using (client)
        {
            var channel = await client.CreateChannelAsync("app-chat", "Alshaya");
            var ids = await client.IngestAsync(
                HubApi.Engagement(channel, "m-1", "user-1", "Where is my order?", displayName: "Aisha")
            );
            var conversationId = ids["conversationId"]!.GetValue<Guid>();

            var response = await client.GetAsync($"/v1/conversations/{conversationId}");
            var conversation = await HubApi.ReadJson(response, HttpStatusCode.OK);
            Assert.Multiple(() =>
            {
                Assert.That(response.Headers.ETag?.Tag, Is.EqualTo("\"2\""));
                Assert.That(conversation["status"]!.GetValue<string>(), Is.EqualTo("open"));
                Assert.That(conversation["brand"]!.GetValue<string>(), Is.EqualTo("Alshaya"));
                Assert.That(
                    conversation["customer"]!["id"]!.GetValue<Guid>(),
                    Is.EqualTo(ids["customerId"]!.GetValue<Guid>())
                );
                Assert.That(
                    conversation["customer"]!["identities"]![0]!["platformUserId"]!.GetValue<string>(),
                    Is.EqualTo("user-1")
                );
                Assert.That(
                    conversation["latestEngagements"]![0]!["id"]!.GetValue<Guid>(),
                    Is.EqualTo(ids["engagementId"]!.GetValue<Guid>())
                );
                Assert.That(
                    conversation["latestEngagements"]![0]!["text"]!.GetValue<string>(),
                    Is.EqualTo("Where is my order?")
                );
                Assert.That(conversation["channels"]![0]!["id"]!.GetValue<Guid>(), Is.EqualTo(channel));
            });

            var events = await client.WaitForEventsAsync(3);
            Assert.That(
                events.Select(e => e!["type"]!.GetValue<string>()),
                Is.EqualTo(new[] { "customer.created", "conversation.opened", "engagement.received" })
            );
            var received = events[2]!["data"]!;
            Assert.Multiple(() =>
            {
                Assert.That(received["conversationId"]!.GetValue<Guid>(), Is.EqualTo(conversationId));
                Assert.That(received["brand"]!.GetValue<string>(), Is.EqualTo("Alshaya"));
                Assert.That(
                    received["sequence"]!.GetValue<long>(),
                    Is.EqualTo(events[2]!["sequence"]!.GetValue<long>())
                );
                Assert.That(received["actor"]!["name"]!.GetValue<string>(), Is.EqualTo("ingest app"));
            });

            var timeline = await HubApi.ReadJson(
                await client.GetAsync($"/v1/conversations/{conversationId}/timeline"),
                HttpStatusCode.OK
            );
            Assert.That(
                timeline["items"]!.AsArray().Select(i => i!["version"]!.GetValue<long>()),
                Is.EqualTo(new long[] { 1, 2 })
            );

            var customer = await HubApi.ReadJson(
                await client.GetAsync($"/v1/customers/{ids["customerId"]}"),
                HttpStatusCode.OK
            );
            Assert.That(customer["conversations"]![0]!["id"]!.GetValue<Guid>(), Is.EqualTo(conversationId));
        }
    }

    [Test]
    public async Task Duplicate_platform_message_creates_nothing_new()
    {
        var (_, client) = await Hub.CreateTenantAsync("dupes");
        using (client)
        {
            var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
            var first = await client.IngestAsync(HubApi.Engagement(channel, "wamid.1", "447700900123"));
            var again = await client.IngestAsync(
                HubApi.Engagement(channel, "wamid.1", "447700900123", "changed text"),
                HttpStatusCode.OK
            );
            var racing = await Task.WhenAll(
                Enumerable
                    .Range(0, 8)
                    .Select(_ =>
                        client.PostAsJsonAsync("/v1/engagements", HubApi.Engagement(channel, "wamid.1", "447700900123"))
                    )
            );
            Assert.That(racing.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
            Assert.That(again.ToJsonString(), Is.EqualTo(first.ToJsonString()));

            // A later, different message is the probe: once its event is in the feed, nothing else can be pending.
            await client.IngestAsync(HubApi.Engagement(channel, "wamid.2", "447700900123"));
            var events = await client.WaitForEventsAsync(4);
            Assert.That(
                events.Select(e => e!["type"]!.GetValue<string>()),
                Is.EqualTo(
                    new[] { "customer.created", "conversation.opened", "engagement.received", "engagement.received" }
                )
            );
            var conversation = await HubApi.ReadJson(
                await client.GetAsync($"/v1/conversations/{first["conversationId"]}"),
                HttpStatusCode.OK
            );
            Assert.That(conversation["engagementCount"]!.GetValue<int>(), Is.EqualTo(2));
        }
    }

    [TestCase(
        """{"channelId":"CHANNEL","platformMessageId":"m","visibility":"private","text":"hi","""
            + "\"occurredAt\":\"2026-01-01T00:00:00Z\"}",
        "author",
        TestName = "Missing author"
    )]
    [TestCase(
        """{"channelId":"CHANNEL","platformMessageId":"m","author":{"platformUserId":"u"}"""
            + ""","visibility":"shouting","text":"hi","occurredAt":"2026-01-01T00:00:00Z"}""",
        "visibility",
        TestName = "Bad visibility enum"
    )]
    [TestCase(
        """{"channelId":"CHANNEL","platformMessageId":"m","author":{"platformUserId":"u"}"""
            + ""","visibility":"private","occurredAt":"2026-01-01T00:00:00Z"}""",
        "text",
        TestName = "Neither text nor attachments"
    )]
    [TestCase(
        """{"channelId":"CHANNEL","author":{"platformUserId":"u"}"""
            + ""","visibility":"private","text":"hi","occurredAt":"2026-01-01T00:00:00Z"}""",
        "platformMessageId",
        TestName = "Missing platform message id"
    )]
    [TestCase(
        """{"channelId":"CHANNEL","platformMessageId":"m","author":{"platformUserId":"u"}"""
            + ""","visibility":"private","text":"hi","occurredAt":"FUTURE"}""",
        "occurredAt",
        TestName = "Timestamp a day ahead"
    )]
    [TestCase(
        """{"channelId":"CHANNEL","platformMessageId":"m","author":{"platformUserId":"u"}"""
            + ""","visibility":"private","text":"hi"}""",
        "occurredAt",
        TestName = "Missing timestamp"
    )]
    [TestCase(
        """{"channelId":"CHANNEL","platformMessageId":"m","author":{"platformUserId":"u"}"""
            + ""","visibility":"private","attachments":[{"url":"javascript:alert(1)","mediaType":"image/png"}]"""
            + ""","occurredAt":"2026-01-01T00:00:00Z"}""",
        "attachments[0].url",
        TestName = "Attachment URL that is not http"
    )]
    public async Task Invalid_engagement_is_a_400_with_the_field_and_writes_nothing(string body, string field)
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync("invalid");
        using (client)
        {
            var channel = await client.CreateChannelAsync("sms", "Al Tayer");
            body = body.Replace("CHANNEL", channel.ToString(), StringComparison.Ordinal)
                .Replace("FUTURE", DateTimeOffset.UtcNow.AddDays(1).ToString("O"), StringComparison.Ordinal);
            var problem = await HubApi.ReadProblem(
                await client.PostAsync("/v1/engagements", HubApi.Json(body)),
                HttpStatusCode.BadRequest,
                "validation-failed"
            );
            Assert.That(problem["errors"]!.AsObject().Select(p => p.Key), Does.Contain(field));
            await AssertNothingWritten(workspaceId);
        }
    }

    [TestCase(
        """{"channelId":"CHANNEL","platformMessageId":"m","author":{"platformUserId":"u"}"""
            + ""","visibility":"private","text":"hi","occurredAt":"2026-01-01T00:00:00Z","metadata":"""
            + """{"k":"a\u0000b"}}""",
        "unsupported-character",
        "NUL",
        TestName = "NUL in metadata"
    )]
    [TestCase(
        """{"channelId":"CHANNEL","platformMessageId":"m\u0000","author":{"platformUserId":"u"}"""
            + ""","visibility":"private","text":"hi","occurredAt":"2026-01-01T00:00:00Z"}""",
        "unsupported-character",
        "NUL",
        TestName = "NUL in an id"
    )]
    public async Task NUL_character_anywhere_is_a_400_and_writes_nothing(string body, string code, string detail)
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync("nul");
        using (client)
        {
            var channel = await client.CreateChannelAsync("sms", "Al Tayer");
            var problem = await HubApi.ReadProblem(
                await client.PostAsync(
                    "/v1/engagements",
                    HubApi.Json(body.Replace("CHANNEL", channel.ToString(), StringComparison.Ordinal))
                ),
                HttpStatusCode.BadRequest,
                code
            );
            Assert.That(problem.ToJsonString(), Does.Contain(detail));
            await AssertNothingWritten(workspaceId);
        }
    }

    [Test]
    public async Task Five_megabytes_of_json_is_a_413_and_writes_nothing()
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync("huge");
        using (client)
        {
            var channel = await client.CreateChannelAsync("sms", "Al Tayer");
            var text = new StringBuilder().Append('x', 5 * 1024 * 1024).ToString();
            await HubApi.ReadProblem(
                await client.PostAsJsonAsync("/v1/engagements", HubApi.Engagement(channel, "m", "u", text)),
                HttpStatusCode.RequestEntityTooLarge,
                "payload-too-large"
            );
            await AssertNothingWritten(workspaceId);
        }
    }

    [Test]
    public async Task Channel_id_that_is_not_a_uuid_is_a_malformed_json_problem()
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync("not a uuid");
        using (client)
        {
            await HubApi.ReadProblem(
                await client.PostAsync(
                    "/v1/engagements",
                    HubApi.Json("""{"channelId":"nope","platformMessageId":"m"}""")
                ),
                HttpStatusCode.BadRequest,
                "malformed-json"
            );
            await AssertNothingWritten(workspaceId);
        }
    }

    [Test]
    public async Task Key_without_engagements_write_cannot_ingest()
    {
        var (_, client) = await Hub.CreateTenantAsync("read only", "conversations:read");
        using (client)
        {
            await HubApi.ReadProblem(
                await client.PostAsJsonAsync("/v1/engagements", HubApi.Engagement(Guid.NewGuid(), "m", "u")),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
        }
    }

    private static async Task AssertNothingWritten(Guid workspaceId)
    {
        // Straight from the tables, so that an event not yet sequenced would be counted too.
        Assert.Multiple(async () =>
        {
            Assert.That(await Database.CountEventsAsync(workspaceId), Is.Zero);
            Assert.That(await Database.CountAsync("conversations", workspaceId), Is.Zero);
            Assert.That(await Database.CountAsync("customers", workspaceId), Is.Zero);
            Assert.That(await Database.CountAsync("engagements", workspaceId), Is.Zero);
        });
    }
}
