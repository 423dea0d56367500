using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Support;
using SocialCare.FakePlatform;

namespace SocialCare.Api.Tests.Channels.WhatsApp;

public sealed class WhatsApp_connector : ConnectorFixture
{
    private const string PhoneNumberId = "106540352242922";
    private const string Customer = "16505551234";

    private async Task<(HttpClient Client, Guid ChannelId)> ArrangeAsync(string name)
    {
        var (_, client) = await Hub.CreateTenantAsync(name);
        Platform.AddWhatsAppNumber(PhoneNumberId, AccessToken);
        var channelId = await client.CreateChannelAsync(
            "whatsapp",
            "Namshi",
            new
            {
                phoneNumberId = PhoneNumberId,
                accessToken = AccessToken,
                appSecret = AppSecret,
                verifyToken = VerifyToken,
                graphApiBaseUrl = Platform.GraphBaseUrl,
            }
        );
        return (client, channelId);
    }

    private Task<HttpResponseMessage> PushAsync(Guid channelId, string body) =>
        PlatformWebhooks.PushMetaAsync(PlatformClient(), "whatsapp", channelId, AppSecret, body);

    private async Task InboundAsync(Guid channelId, DateTimeOffset? at = null)
    {
        var wamid = $"wamid.{Guid.NewGuid():N}";
        var receipt = await ReceiptAsync(
            await PushAsync(
                channelId,
                Fixture("whatsapp-text.json", ("wamid", wamid), ("timestamp", Unix(at ?? DateTimeOffset.UtcNow)))
            )
        );
        Assert.That(receipt["engagements"]!.GetValue<int>(), Is.EqualTo(1));
    }

    private static async Task<Guid> OnlyConversationAsync(HttpClient client) =>
        (await ConversationsAsync(client)).Single()!["id"]!.GetValue<Guid>();

    [Test]
    public async Task Handshake_echoes_the_challenge_only_for_the_verify_token()
    {
        var (client, channelId) = await ArrangeAsync("wa handshake");
        client.Dispose();
        using var platform = PlatformClient();
        var ok = await platform.GetAsync(
            $"/v1/hooks/whatsapp/{channelId}?hub.mode=subscribe&hub.verify_token={VerifyToken}&hub.challenge=1158201444"
        );
        Assert.Multiple(async () =>
        {
            Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(ok.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain"));
            Assert.That(await ok.Content.ReadAsStringAsync(), Is.EqualTo("1158201444"));
        });
        await HubApi.ReadProblem(
            await platform.GetAsync(
                $"/v1/hooks/whatsapp/{channelId}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1"
            ),
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        await HubApi.ReadProblem(
            await platform.GetAsync(
                $"/v1/hooks/whatsapp/{Guid.CreateVersion7()}?hub.mode=subscribe"
                    + $"&hub.verify_token={VerifyToken}&hub.challenge=1"
            ),
            HttpStatusCode.NotFound,
            "not-found"
        );
        await HubApi.ReadProblem(
            await platform.GetAsync(
                $"/v1/hooks/messenger/{channelId}?hub.mode=subscribe&hub.verify_token={VerifyToken}&hub.challenge=1"
            ),
            HttpStatusCode.NotFound,
            "not-found"
        );
    }

    [Test]
    public async Task An_account_id_stored_as_a_number_works_like_one_stored_as_text()
    {
        var (_, client) = await Hub.CreateTenantAsync("wa numeric id");
        var channelId = await client.CreateChannelAsync(
            "whatsapp",
            "Namshi",
            new
            {
                phoneNumberId = 106540352242922,
                appSecret = AppSecret,
                verifyToken = VerifyToken,
            }
        );
        var receipt = await ReceiptAsync(
            await PushAsync(channelId, Fixture("whatsapp-text.json", ("wamid", "wamid.numeric")))
        );
        Assert.That(
            receipt["engagements"]!.GetValue<int>(),
            Is.EqualTo(1),
            "the payload's phone_number_id is this account's"
        );
    }

    [Test]
    public async Task Bad_or_missing_signature_is_401_and_stores_nothing()
    {
        var (client, channelId) = await ArrangeAsync("wa bad signature");
        var body = Fixture("whatsapp-text.json", ("wamid", "wamid.signed"));
        using var platform = PlatformClient();
        await HubApi.ReadProblem(
            await PlatformWebhooks.PushAsync(
                platform,
                $"/v1/hooks/whatsapp/{channelId}",
                body,
                "X-Hub-Signature-256",
                PlatformWebhooks.MetaSignature("another app's secret", System.Text.Encoding.UTF8.GetBytes(body))
            ),
            HttpStatusCode.Unauthorized,
            "invalid-signature"
        );
        await HubApi.ReadProblem(
            await PlatformWebhooks.PushAsync(
                platform,
                $"/v1/hooks/whatsapp/{channelId}",
                body,
                "X-Not-A-Signature",
                "x"
            ),
            HttpStatusCode.Unauthorized,
            "invalid-signature"
        );
        // Signed, then changed in transit: the bytes no longer match their signature.
        await HubApi.ReadProblem(
            await PlatformWebhooks.PushAsync(
                platform,
                $"/v1/hooks/whatsapp/{channelId}",
                body.Replace("another color", "a refund", StringComparison.Ordinal),
                "X-Hub-Signature-256",
                PlatformWebhooks.MetaSignature(AppSecret, System.Text.Encoding.UTF8.GetBytes(body))
            ),
            HttpStatusCode.Unauthorized,
            "invalid-signature"
        );
        Assert.That(await ConversationsAsync(client), Is.Empty);

        await ReceiptAsync(await PushAsync(channelId, body));
        Assert.That(
            await ConversationsAsync(client),
            Has.Count.EqualTo(1),
            "the same body, correctly signed, is taken"
        );
    }

    [Test]
    public async Task Documented_text_message_becomes_customer_conversation_and_engagement_and_a_retry_changes_nothing()
    {
        var (client, channelId) = await ArrangeAsync("wa text");
        var body = Fixture(
            "whatsapp-text.json",
            ("wamid", "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=")
        );
        var first = await ReceiptAsync(await PushAsync(channelId, body));
        var retry = await ReceiptAsync(await PushAsync(channelId, body));
        Assert.Multiple(() =>
        {
            Assert.That(first["engagements"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(retry["engagements"]!.GetValue<int>(), Is.EqualTo(0));
            Assert.That(retry["duplicates"]!.GetValue<int>(), Is.EqualTo(1));
        });

        var conversation = await HubApi.ReadJson(
            await client.GetAsync($"/v1/conversations/{await OnlyConversationAsync(client)}"),
            HttpStatusCode.OK
        );
        var engagement = conversation["latestEngagements"]!.AsArray().Single()!;
        Assert.Multiple(() =>
        {
            Assert.That(conversation["engagementCount"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(conversation["customer"]!["displayName"]!.GetValue<string>(), Is.EqualTo("Sheena Nelson"));
            Assert.That(
                engagement["platformMessageId"]!.GetValue<string>(),
                Is.EqualTo("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=")
            );
            Assert.That(engagement["author"]!["platformUserId"]!.GetValue<string>(), Is.EqualTo(Customer));
            Assert.That(engagement["text"]!.GetValue<string>(), Is.EqualTo("Does it come in another color?"));
            Assert.That(engagement["visibility"]!.GetValue<string>(), Is.EqualTo("private"));
            Assert.That(engagement["metadata"]!["whatsapp"]!["type"]!.GetValue<string>(), Is.EqualTo("text"));
        });
        var events = await client.WaitForEventsAsync(3);
        Assert.That(
            events.Select(e => e!["type"]!.GetValue<string>()),
            Is.EquivalentTo(new[] { "customer.created", "conversation.opened", "engagement.received" })
        );
    }

    [Test]
    public async Task Every_message_of_a_multi_change_payload_counts_and_an_unknown_type_is_kept_and_flagged()
    {
        var (client, channelId) = await ArrangeAsync("wa mixed");
        var receipt = await ReceiptAsync(await PushAsync(channelId, Fixture("whatsapp-mixed.json")));
        Assert.That(receipt["engagements"]!.GetValue<int>(), Is.EqualTo(5));

        var conversation = await HubApi.ReadJson(
            await client.GetAsync($"/v1/conversations/{await OnlyConversationAsync(client)}"),
            HttpStatusCode.OK
        );
        var byId = conversation["latestEngagements"]!
            .AsArray()
            .ToDictionary(e => e!["platformMessageId"]!.GetValue<string>(), e => e!);
        Assert.Multiple(() =>
        {
            Assert.That(byId["wamid.mixed.image"]["text"]!.GetValue<string>(), Is.EqualTo("This is the damaged box"));
            Assert.That(
                byId["wamid.mixed.image"]["attachments"]![0]!["url"]!.GetValue<string>(),
                Does.StartWith("https://lookaside.fbsbx.com/")
            );
            Assert.That(
                byId["wamid.mixed.image"]["attachments"]![0]!["mediaType"]!.GetValue<string>(),
                Is.EqualTo("image/jpeg")
            );
            Assert.That(
                byId["wamid.mixed.location"]["text"]!.GetValue<string>(),
                Is.EqualTo("Philz Coffee, 1 Hacker Way, Menlo Park, CA 94025")
            );
            Assert.That(byId["wamid.mixed.button"]["text"]!.GetValue<string>(), Is.EqualTo("Track my order"));
            Assert.That(byId["wamid.mixed.button"]["metadata"]!["whatsapp"]!["context"]!["id"], Is.Not.Null);
            Assert.That(byId["wamid.mixed.reaction"]["text"]!.GetValue<string>(), Is.EqualTo("👍"));
            Assert.That(byId["wamid.mixed.unsupported"]["metadata"]!["unsupported"]!.GetValue<bool>(), Is.True);
            Assert.That(
                byId["wamid.mixed.unsupported"]["metadata"]!["raw"]!["errors"]![0]!["code"]!.GetValue<int>(),
                Is.EqualTo(131051)
            );
        });
    }

    [Test]
    public async Task Reply_leaves_in_the_documented_shape_and_statuses_move_it_to_delivered_and_read_never_back()
    {
        var (client, channelId) = await ArrangeAsync("wa reply");
        await InboundAsync(channelId);
        var conversationId = await OnlyConversationAsync(client);
        var replyId = await ReplyAsync(
            client,
            conversationId,
            new { text = "Yes — it comes in blue and green: https://namshi.example/p/1" }
        );
        var sent = await ReplyWhenAsync(client, conversationId, replyId, "sent");
        var wamid = sent["platformMessageId"]!.GetValue<string>();
        var request = Platform.Requests.Single(r => r.MessageId == wamid);
        Assert.Multiple(() =>
        {
            Assert.That(
                request.Path,
                Is.EqualTo($"/{FakePlatform.FakePlatform.GraphVersion}/{PhoneNumberId}/messages")
            );
            Assert.That(request.Authorization, Is.EqualTo($"Bearer {AccessToken}"));
            Assert.That(
                JsonNode.DeepEquals(
                    request.Body,
                    JsonNode.Parse(
                        $$$"""
                        {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "{{{Customer}}}",
                         "type": "text",
                         "text": {"body": "Yes — it comes in blue and green: https://namshi.example/p/1",
                                  "preview_url": true}}
                        """
                    )
                ),
                Is.True,
                request.Body?.ToJsonString()
            );
        });

        // read arrives first (it implies delivered); the late delivered changes nothing; a repeat changes nothing.
        var read = Fixture("whatsapp-status.json", ("wamid", wamid), ("status", "read"));
        await ReceiptAsync(await PushAsync(channelId, read));
        var done = await ReplyWhenAsync(client, conversationId, replyId, "read");
        await ReceiptAsync(
            await PushAsync(channelId, Fixture("whatsapp-status.json", ("wamid", wamid), ("status", "delivered")))
        );
        await ReceiptAsync(await PushAsync(channelId, read));
        var after = await ReplyWhenAsync(client, conversationId, replyId, "read");
        Assert.Multiple(() =>
        {
            Assert.That(done["deliveredAt"], Is.Not.Null, "read implies delivered");
            Assert.That(
                after["readAt"]!.GetValue<DateTimeOffset>(),
                Is.EqualTo(done["readAt"]!.GetValue<DateTimeOffset>())
            );
        });
        var progress = await client.WaitForEventsAsync(2, "reply.sent,reply.delivered,reply.read");
        Assert.That(
            progress.Select(e => e!["type"]!.GetValue<string>()),
            Is.EqualTo(new[] { "reply.sent", "reply.read" })
        );
    }

    [Test]
    public async Task Status_that_outruns_the_send_waits_and_is_applied_when_the_send_is_recorded()
    {
        var (client, channelId) = await ArrangeAsync("wa early status");
        await InboundAsync(channelId);
        var conversationId = await OnlyConversationAsync(client);
        var wamid = $"wamid.early.{Guid.NewGuid():N}";
        Platform.UseNextMessageId(wamid);
        var early = await ReceiptAsync(
            await PushAsync(channelId, Fixture("whatsapp-status.json", ("wamid", wamid), ("status", "delivered")))
        );
        Assert.That(early["statuses"]!.GetValue<int>(), Is.EqualTo(1));

        var replyId = await ReplyAsync(client, conversationId, new { text = "On its way" });
        var reply = await ReplyWhenAsync(client, conversationId, replyId, "delivered");
        Assert.That(reply["platformMessageId"]!.GetValue<string>(), Is.EqualTo(wamid));
    }

    [Test]
    public async Task Late_free_form_reply_is_refused_and_an_approved_template_is_sent()
    {
        var (client, channelId) = await ArrangeAsync("wa window");
        await InboundAsync(channelId, DateTimeOffset.UtcNow.AddHours(-25));
        var conversationId = await OnlyConversationAsync(client);
        var before = Platform.Requests.Count;
        var refused = await HubApi.ReadProblem(
            await client.PostAsJsonAsync($"/v1/conversations/{conversationId}/replies", new { text = "Any news?" }),
            HttpStatusCode.UnprocessableEntity,
            "template-required"
        );
        Assert.That(refused["detail"]!.GetValue<string>(), Does.Contain("24-hour"));

        var replyId = await ReplyAsync(
            client,
            conversationId,
            new
            {
                template = new
                {
                    name = "order_update",
                    language = "en_US",
                    parameters = new[] { "Sheena", "NAM-4417" },
                },
            }
        );
        var sent = await ReplyWhenAsync(client, conversationId, replyId, "sent");
        var request = Platform.Requests.Single(r => r.MessageId == sent["platformMessageId"]!.GetValue<string>());
        Assert.Multiple(() =>
        {
            Assert.That(
                Platform.Requests.Count,
                Is.EqualTo(before + 1),
                "the refused reply never reached the platform"
            );
            Assert.That(
                JsonNode.DeepEquals(
                    request.Body,
                    JsonNode.Parse(
                        $$$"""
                        {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "{{{Customer}}}",
                         "type": "template",
                         "template": {"name": "order_update", "language": {"code": "en_US"},
                           "components": [{"type": "body", "parameters": [{"type": "text", "text": "Sheena"},
                                                                          {"type": "text", "text": "NAM-4417"}]}]}}
                        """
                    )
                ),
                Is.True,
                request.Body?.ToJsonString()
            );
        });
    }

    [Test]
    public async Task Platform_refusal_becomes_reply_failed_with_its_code_and_a_rate_limit_is_waited_out()
    {
        var (client, channelId) = await ArrangeAsync("wa failures");
        await InboundAsync(channelId);
        var conversationId = await OnlyConversationAsync(client);

        Platform.FailNext(
            1,
            400,
            body: FakePlatform.FakePlatform.GraphError(131030, "(#131030) Recipient phone number not in allowed list")
        );
        var refusedId = await ReplyAsync(client, conversationId, new { text = "First try" });
        var failed = await ReplyWhenAsync(client, conversationId, refusedId, "failed");
        Assert.That(failed["error"]!["code"]!.GetValue<string>(), Is.EqualTo("131030"));
        var failure = (await client.WaitForEventsAsync(1, "reply.failed")).Single()!;
        Assert.That(failure["data"]!["error"]!["message"]!.GetValue<string>(), Does.Contain("allowed list"));

        Platform.FailNext(2, 429, retryAfter: "0");
        var retriedId = await ReplyAsync(client, conversationId, new { text = "Second try" });
        await ReplyWhenAsync(client, conversationId, retriedId, "sent");
        Assert.That(
            Platform.Requests.Count(r => r.Body?["text"]?["body"]?.GetValue<string>() == "Second try"),
            Is.EqualTo(3),
            "two 429s, then the send"
        );

        var statusFailed = await ReplyAsync(client, conversationId, new { text = "Third" });
        var third = await ReplyWhenAsync(client, conversationId, statusFailed, "sent");
        await ReceiptAsync(
            await PushAsync(
                channelId,
                Fixture("whatsapp-status-failed.json", ("wamid", third["platformMessageId"]!.GetValue<string>()))
            )
        );
        var lost = await ReplyWhenAsync(client, conversationId, statusFailed, "failed");
        Assert.That(lost["error"]!["code"]!.GetValue<string>(), Is.EqualTo("131047"));
    }

    [Test]
    public async Task A_platform_that_keeps_failing_opens_the_circuit_for_that_account_only()
    {
        var (client, channelId) = await ArrangeAsync("wa circuit");
        await InboundAsync(channelId);
        var conversationId = await OnlyConversationAsync(client);
        Platform.FailNext(4, 503);
        var first = await ReplyAsync(client, conversationId, new { text = "One" });
        var failed = await ReplyWhenAsync(client, conversationId, first, "failed");
        Assert.That(
            failed["error"]!["code"]!.GetValue<string>(),
            Is.EqualTo("2"),
            "Graph's own code for a temporary outage"
        );

        var before = Platform.Requests.Count;
        var second = await ReplyAsync(client, conversationId, new { text = "Two" });
        var broken = await ReplyWhenAsync(client, conversationId, second, "failed");
        Assert.Multiple(() =>
        {
            Assert.That(broken["error"]!["code"]!.GetValue<string>(), Is.EqualTo("circuit_open"));
            Assert.That(Platform.Requests.Count, Is.EqualTo(before), "no call while the circuit is open");
        });

        var (other, otherChannel) = await ArrangeAsync("wa circuit other account");
        await InboundAsync(otherChannel);
        var otherReply = await ReplyAsync(other, await OnlyConversationAsync(other), new { text = "Unaffected" });
        await ReplyWhenAsync(other, await OnlyConversationAsync(other), otherReply, "sent");
    }

    [Test]
    public async Task Statuses_the_platform_reports_on_its_own_carry_the_reply_to_read()
    {
        var (client, channelId) = await ArrangeAsync("wa reported statuses");
        using var hub = PlatformClient();
        Platform.ReportStatusesTo(PhoneNumberId, hub, channelId, AppSecret);
        try
        {
            await ReceiptAsync(
                await PushAsync(
                    channelId,
                    PlatformPayloads.WhatsAppText(
                        PhoneNumberId,
                        "971500000042",
                        "ريم",
                        "wamid.reported.1",
                        "وين طلبي؟ 📦",
                        DateTimeOffset.UtcNow
                    )
                )
            );
            var conversationId = await OnlyConversationAsync(client);
            var replyId = await ReplyAsync(client, conversationId, new { text = "طلبك في الطريق 🚚" });
            var read = await ReplyWhenAsync(client, conversationId, replyId, "read");
            Assert.Multiple(() =>
            {
                Assert.That(read["sentAt"], Is.Not.Null);
                Assert.That(read["deliveredAt"], Is.Not.Null);
                Assert.That(Platform.Reported.Select(r => r.Answer), Is.All.EqualTo(200));
            });
        }
        finally
        {
            Platform.StopReportingStatuses(PhoneNumberId);
        }
    }
}
