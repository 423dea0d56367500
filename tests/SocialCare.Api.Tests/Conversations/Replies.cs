using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Conversations;

public sealed class Replies : HubFixture
{
    private sealed record Arranged(
        Guid WorkspaceId,
        Guid ConversationId,
        Guid ChannelId,
        HttpClient Care,
        HttpClient Partner
    ) : IDisposable
    {
        public void Dispose()
        {
            Care.Dispose();
            Partner.Dispose();
        }
    }

    private async Task<Arranged> ArrangeAsync(string name, string channelType = "app-chat")
    {
        var workspaceId = await Hub.CreateWorkspaceAsync(name);
        var (_, careKey) = await Hub.CreateKeyAsync(
            workspaceId,
            "care-app",
            ["channels:manage", "conversations:read", "conversations:write"]
        );
        var (_, partnerKey) = await Hub.CreateKeyAsync(
            workspaceId,
            "partner-gateway",
            ["engagements:write", "replies:report"]
        );
        var care = Hub.ClientWithKey(careKey);
        var partner = Hub.ClientWithKey(partnerKey);
        var channel = await care.CreateChannelAsync(channelType, "Careem");
        var ids = await partner.IngestAsync(
            HubApi.Engagement(channel, "chat-1", "rider-42", "My driver took the wrong route")
        );
        return new Arranged(workspaceId, ids["conversationId"]!.GetValue<Guid>(), channel, care, partner);
    }

    private static Task<HttpResponseMessage> Reply(HttpClient client, Guid conversationId, object body) =>
        client.PostAsJsonAsync($"/v1/conversations/{conversationId}/replies", body);

    private static Task<HttpResponseMessage> Report(HttpClient client, Guid replyId, object body) =>
        client.PostAsJsonAsync($"/v1/replies/{replyId}/status", body);

    private static async Task<JsonNode> View(Arranged a) =>
        await HubApi.ReadJson(await a.Care.GetAsync($"/v1/conversations/{a.ConversationId}"), HttpStatusCode.OK);

    [Test]
    public async Task Custom_channel_reply_walks_requested_sent_delivered_read_reported_by_the_partners_own_key()
    {
        await using var tap = await RabbitTap.BindAsync("socialcare.reply.requested");
        using var a = await ArrangeAsync("partner reply");
        var accepted = await HubApi.ReadJson(
            await Reply(a.Care, a.ConversationId, new { text = "Sorry! We've refunded the extra fare." }),
            HttpStatusCode.Accepted
        );
        var replyId = accepted["replyId"]!.GetValue<Guid>();

        var requested = (await tap.WaitForAsync(a.WorkspaceId, 1)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(requested["replyId"]!.GetValue<Guid>(), Is.EqualTo(replyId));
            Assert.That(requested["recipient"]!.GetValue<string>(), Is.EqualTo("rider-42"));
            Assert.That(requested["channelId"]!.GetValue<Guid>(), Is.EqualTo(a.ChannelId));
            Assert.That(requested["actor"]!["name"]!.GetValue<string>(), Is.EqualTo("care-app"));
        });

        await HubApi.ReadJson(
            await Report(a.Partner, replyId, new { status = "sent", platformMessageId = "gw-981" }),
            HttpStatusCode.OK
        );
        await HubApi.ReadJson(await Report(a.Partner, replyId, new { status = "delivered" }), HttpStatusCode.OK);
        await HubApi.ReadJson(await Report(a.Partner, replyId, new { status = "read" }), HttpStatusCode.OK);
        var late = await HubApi.ReadJson(await Report(a.Partner, replyId, new { status = "sent" }), HttpStatusCode.OK);

        var view = await View(a);
        var reply = view["latestReplies"]![0]!;
        var timeline = (
            await HubApi.ReadJson(
                await a.Care.GetAsync($"/v1/conversations/{a.ConversationId}/timeline"),
                HttpStatusCode.OK
            )
        )["items"]!
            .AsArray()
            .Select(e => (e!["type"]!.GetValue<string>(), e["actor"]!["name"]!.GetValue<string>()))
            .ToList();
        Assert.Multiple(() =>
        {
            Assert.That(late["events"]!.AsArray(), Is.Empty, "a late 'sent' never moves a read reply backwards");
            Assert.That(reply["status"]!.GetValue<string>(), Is.EqualTo("read"));
            Assert.That(reply["platformMessageId"]!.GetValue<string>(), Is.EqualTo("gw-981"));
            Assert.That(reply["sentAt"], Is.Not.Null);
            Assert.That(reply["deliveredAt"], Is.Not.Null);
            Assert.That(reply["readAt"], Is.Not.Null);
            Assert.That(view["acknowledgedAt"], Is.Not.Null, "the first reply acknowledges the conversation");
            Assert.That(
                timeline.Skip(2),
                Is.EqualTo(
                    new[]
                    {
                        ("reply.requested", "care-app"),
                        ("conversation.acknowledged", "care-app"),
                        ("reply.sent", "partner-gateway"),
                        ("reply.delivered", "partner-gateway"),
                        ("reply.read", "partner-gateway"),
                    }
                )
            );
        });
    }

    [Test]
    public async Task Failure_carries_the_platforms_error_and_later_reports_change_nothing()
    {
        using var a = await ArrangeAsync("failure");
        var replyId = (
            await HubApi.ReadJson(
                await Reply(a.Care, a.ConversationId, new { text = "On it" }),
                HttpStatusCode.Accepted
            )
        )["replyId"]!.GetValue<Guid>();
        await HubApi.ReadJson(
            await Report(
                a.Partner,
                replyId,
                new { status = "failed", error = new { code = "131047", message = "Re-engagement message" } }
            ),
            HttpStatusCode.OK
        );
        var later = await HubApi.ReadJson(
            await Report(a.Partner, replyId, new { status = "delivered" }),
            HttpStatusCode.OK
        );
        var reply = (await View(a))["latestReplies"]![0]!;
        Assert.Multiple(() =>
        {
            Assert.That(later["events"]!.AsArray(), Is.Empty);
            Assert.That(reply["status"]!.GetValue<string>(), Is.EqualTo("failed"));
            Assert.That(reply["error"]!["code"]!.GetValue<string>(), Is.EqualTo("131047"));
        });
        await HubApi.ReadProblem(
            await Report(a.Partner, replyId, new { status = "failed" }),
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
    }

    [Test]
    public async Task Reply_on_another_account_hands_the_conversation_off_and_says_so()
    {
        using var a = await ArrangeAsync("handoff");
        var privateLine = await a.Care.CreateChannelAsync("app-chat", "Careem");
        await HubApi.ReadJson(
            await Reply(a.Care, a.ConversationId, new { text = "Let's continue privately", channelId = privateLine }),
            HttpStatusCode.Accepted
        );
        var view = await View(a);
        var timeline = (
            await HubApi.ReadJson(
                await a.Care.GetAsync($"/v1/conversations/{a.ConversationId}/timeline"),
                HttpStatusCode.OK
            )
        )["items"]!.AsArray();
        var changed = timeline.Single(e => e!["type"]!.GetValue<string>() == "conversation.channel_changed")!["data"]!;
        var requested = timeline.Single(e => e!["type"]!.GetValue<string>() == "reply.requested")!["data"]!;
        Assert.Multiple(() =>
        {
            Assert.That(view["currentChannelId"]!.GetValue<Guid>(), Is.EqualTo(privateLine));
            Assert.That(
                view["channels"]!.AsArray().Select(c => c!["id"]!.GetValue<Guid>()),
                Is.EqualTo(new[] { a.ChannelId, privateLine })
            );
            Assert.That(changed["fromChannelId"]!.GetValue<Guid>(), Is.EqualTo(a.ChannelId));
            Assert.That(requested["handoff"]!.GetValue<bool>(), Is.True);
        });
    }

    [Test]
    public async Task Illegal_replies_are_refused_and_write_nothing()
    {
        using var a = await ArrangeAsync("illegal replies");
        var whatsapp = await a.Care.CreateChannelAsync("whatsapp", "Careem");
        var before = await Database.CountEventsAsync(a.WorkspaceId);
        await HubApi.ReadProblem(
            await Reply(a.Care, a.ConversationId, new { text = "Hi", channelId = whatsapp }),
            HttpStatusCode.UnprocessableEntity,
            "customer-unreachable"
        );
        await HubApi.ReadProblem(
            await Reply(a.Care, a.ConversationId, new { text = "Hi", channelId = Guid.NewGuid() }),
            HttpStatusCode.UnprocessableEntity,
            "unknown-channel"
        );
        await HubApi.ReadProblem(
            await Reply(a.Care, a.ConversationId, new { }),
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.That(await Database.CountEventsAsync(a.WorkspaceId), Is.EqualTo(before));
        await HubApi.ReadJson(
            await a.Care.PostAsJsonAsync($"/v1/conversations/{a.ConversationId}/resolve", new { }),
            HttpStatusCode.OK
        );
        await HubApi.ReadProblem(
            await Reply(a.Care, a.ConversationId, new { text = "One more thing" }),
            HttpStatusCode.Conflict,
            "conversation-resolved"
        );
    }

    [Test]
    public async Task Public_reply_on_a_private_only_channel_is_refused()
    {
        using var a = await ArrangeAsync("private only", "whatsapp");
        await HubApi.ReadProblem(
            await Reply(a.Care, a.ConversationId, new { text = "Hi", visibility = "public" }),
            HttpStatusCode.UnprocessableEntity,
            "visibility-not-supported"
        );
        var accepted = await HubApi.ReadJson(
            await Reply(a.Care, a.ConversationId, new { text = "Hi" }),
            HttpStatusCode.Accepted
        );
        Assert.That(accepted["replyId"], Is.Not.Null);
    }

    [Test]
    public async Task Claim_by_care_makes_billings_reply_a_409_until_released_and_force_is_recorded()
    {
        using var a = await ArrangeAsync("claimed reply");
        var (_, billingKey) = await Hub.CreateKeyAsync(a.WorkspaceId, "billing-app", ["conversations:write"]);
        using var billing = Hub.ClientWithKey(billingKey);
        await HubApi.ReadJson(
            await a.Care.PostAsJsonAsync($"/v1/conversations/{a.ConversationId}/claim", new { }),
            HttpStatusCode.OK
        );
        var problem = await HubApi.ReadProblem(
            await Reply(billing, a.ConversationId, new { text = "About your invoice" }),
            HttpStatusCode.Conflict,
            "claimed-by-other"
        );
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("care-app"));
        var forced = await HubApi.ReadJson(
            await Reply(billing, a.ConversationId, new { text = "Urgent: refund issued", force = true }),
            HttpStatusCode.Accepted
        );
        await HubApi.ReadJson(
            await a.Care.PostAsJsonAsync($"/v1/conversations/{a.ConversationId}/release", new { }),
            HttpStatusCode.OK
        );
        await HubApi.ReadJson(
            await Reply(billing, a.ConversationId, new { text = "Anything else?" }),
            HttpStatusCode.Accepted
        );
        var timeline = (
            await HubApi.ReadJson(
                await a.Care.GetAsync($"/v1/conversations/{a.ConversationId}/timeline"),
                HttpStatusCode.OK
            )
        )["items"]!.AsArray();
        var forcedEvent = timeline.Single(e =>
            e!["data"]!["replyId"]?.GetValue<Guid>() == forced["replyId"]!.GetValue<Guid>()
            && e["type"]!.GetValue<string>() == "reply.requested"
        );
        Assert.That(forcedEvent!["data"]!["forced"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task Repeated_idempotency_key_on_a_reply_returns_the_same_reply_and_sends_nothing_twice()
    {
        using var a = await ArrangeAsync("reply idempotency");
        async Task<HttpResponseMessage> Send()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{a.ConversationId}/replies")
            {
                Content = JsonContent.Create(new { text = "Refund sent" }),
            };
            request.Headers.Add("Idempotency-Key", "reply-1");
            return await a.Care.SendAsync(request);
        }

        var first = await HubApi.ReadJson(await Send(), HttpStatusCode.Accepted);
        var second = await HubApi.ReadJson(await Send(), HttpStatusCode.Accepted);
        Assert.That(second["replyId"]!.GetValue<Guid>(), Is.EqualTo(first["replyId"]!.GetValue<Guid>()));
        Assert.That((await View(a))["latestReplies"]!.AsArray(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Only_a_key_with_replies_report_may_say_how_far_a_reply_got()
    {
        using var a = await ArrangeAsync("report scope");
        var replyId = (
            await HubApi.ReadJson(
                await Reply(a.Care, a.ConversationId, new { text = "On its way" }),
                HttpStatusCode.Accepted
            )
        )["replyId"]!.GetValue<Guid>();
        var refused = await HubApi.ReadProblem(
            await Report(a.Care, replyId, new { status = "read" }),
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        var view = await View(a);
        await HubApi.ReadJson(
            await Report(a.Partner, replyId, new { status = "sent", platformMessageId = "gw-1" }),
            HttpStatusCode.OK
        );
        Assert.Multiple(() =>
        {
            Assert.That(refused["detail"]!.GetValue<string>(), Does.Contain("replies:report"));
            Assert.That(
                view["latestReplies"]![0]!["status"]!.GetValue<string>(),
                Is.EqualTo("requested"),
                "a department's key cannot fake a read receipt"
            );
        });
    }
}
