using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Support;
using SocialCare.FakePlatform;

namespace SocialCare.Api.Tests.Channels.Meta;

public sealed class Messenger_and_Instagram : ConnectorFixture
{
    private async Task<(HttpClient Client, Guid ChannelId, string Account)> ArrangeAsync(string name, string type)
    {
        var (_, client) = await Hub.CreateTenantAsync(name);
        var account = Random
            .Shared.NextInt64(100_000_000_000_000, 999_999_999_999_999)
            .ToString(System.Globalization.CultureInfo.InvariantCulture);
        Guid channelId;
        if (type == "messenger")
        {
            Platform.AddMessengerPage(account, AccessToken);
            channelId = await client.CreateChannelAsync(
                type,
                "Alshaya",
                new
                {
                    pageId = account,
                    accessToken = AccessToken,
                    appSecret = AppSecret,
                    verifyToken = VerifyToken,
                    graphApiBaseUrl = Platform.GraphBaseUrl,
                }
            );
        }
        else
        {
            Platform.AddInstagramAccount(account, AccessToken);
            channelId = await client.CreateChannelAsync(
                type,
                "Al Tayer",
                new
                {
                    instagramAccountId = account,
                    accessToken = AccessToken,
                    appSecret = AppSecret,
                    verifyToken = VerifyToken,
                    graphApiBaseUrl = Platform.GraphBaseUrl,
                }
            );
        }

        return (client, channelId, account);
    }

    private Task<HttpResponseMessage> PushAsync(string type, Guid channelId, string body) =>
        PlatformWebhooks.PushMetaAsync(PlatformClient(), type, channelId, AppSecret, body);

    [Test]
    public async Task Messenger_message_arrives_its_echo_is_ignored_the_reply_uses_the_send_api_and_receipts_mark_read()
    {
        var (client, channelId, pageId) = await ArrangeAsync("messenger flow", "messenger");
        var psid = "2485719824912345";
        var receipt = await ReceiptAsync(
            await PushAsync(
                "messenger",
                channelId,
                Fixture("messenger-message.json", ("pageId", pageId), ("psid", psid), ("mid", "m_order_4417"))
            )
        );
        Assert.Multiple(() =>
        {
            Assert.That(receipt["engagements"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(receipt["ignored"]!.GetValue<int>(), Is.EqualTo(1), "the echo of our own send");
        });
        var conversationId = (await ConversationsAsync(client)).Single()!["id"]!.GetValue<Guid>();
        var conversation = await HubApi.ReadJson(
            await client.GetAsync($"/v1/conversations/{conversationId}"),
            HttpStatusCode.OK
        );
        var engagement = conversation["latestEngagements"]!.AsArray().Single()!;
        Assert.Multiple(() =>
        {
            Assert.That(engagement["text"]!.GetValue<string>(), Is.EqualTo("My order #4417 never arrived"));
            Assert.That(engagement["author"]!["platformUserId"]!.GetValue<string>(), Is.EqualTo(psid));
            Assert.That(engagement["attachments"]![0]!["mediaType"]!.GetValue<string>(), Is.EqualTo("image"));
        });

        var replyId = await ReplyAsync(client, conversationId, new { text = "Sorry! A replacement ships today." });
        var sent = await ReplyWhenAsync(client, conversationId, replyId, "sent");
        var mid = sent["platformMessageId"]!.GetValue<string>();
        var request = Platform.Requests.Single(r => r.MessageId == mid);
        Assert.Multiple(() =>
        {
            Assert.That(request.Path, Is.EqualTo($"/{FakePlatform.FakePlatform.GraphVersion}/{pageId}/messages"));
            Assert.That(
                JsonNode.DeepEquals(
                    request.Body,
                    JsonNode.Parse(
                        $$$"""
                        {"recipient": {"id": "{{{psid}}}"}, "messaging_type": "RESPONSE",
                         "message": {"text": "Sorry! A replacement ships today."}}
                        """
                    )
                ),
                Is.True,
                request.Body?.ToJsonString()
            );
        });

        await ReceiptAsync(
            await PushAsync(
                "messenger",
                channelId,
                Fixture("messenger-receipts.json", ("pageId", pageId), ("psid", psid), ("mid", mid))
            )
        );
        var read = await ReplyWhenAsync(client, conversationId, replyId, "read");
        Assert.That(read["deliveredAt"], Is.Not.Null);
    }

    [Test]
    public async Task Messenger_reply_after_a_day_is_tagged_human_agent_and_after_a_week_refused()
    {
        var (client, channelId, pageId) = await ArrangeAsync("messenger window", "messenger");
        var twoDaysAgo = Fixture("messenger-message.json", ("pageId", pageId), ("psid", "111"), ("mid", "m_old"))
            .Replace(
                UnixMs(DateTimeOffset.UtcNow)[..7],
                UnixMs(DateTimeOffset.UtcNow.AddDays(-2))[..7],
                StringComparison.Ordinal
            );
        await ReceiptAsync(await PushAsync("messenger", channelId, twoDaysAgo));
        var conversationId = (await ConversationsAsync(client)).Single()!["id"]!.GetValue<Guid>();
        var replyId = await ReplyAsync(
            client,
            conversationId,
            new { text = "A person here: your refund is approved." }
        );
        var sent = await ReplyWhenAsync(client, conversationId, replyId, "sent");
        var request = Platform.Requests.Single(r => r.MessageId == sent["platformMessageId"]!.GetValue<string>());
        Assert.Multiple(() =>
        {
            Assert.That(request.Body!["messaging_type"]!.GetValue<string>(), Is.EqualTo("MESSAGE_TAG"));
            Assert.That(request.Body!["tag"]!.GetValue<string>(), Is.EqualTo("HUMAN_AGENT"));
        });

        var (other, otherChannel, otherPage) = await ArrangeAsync("messenger closed", "messenger");
        var eightDaysAgo = Fixture("messenger-message.json", ("pageId", otherPage), ("psid", "222"), ("mid", "m_older"))
            .Replace(
                UnixMs(DateTimeOffset.UtcNow)[..7],
                UnixMs(DateTimeOffset.UtcNow.AddDays(-8))[..7],
                StringComparison.Ordinal
            );
        await ReceiptAsync(await PushAsync("messenger", otherChannel, eightDaysAgo));
        var closedId = (await ConversationsAsync(other)).Single()!["id"]!.GetValue<Guid>();
        await HubApi.ReadProblem(
            await other.PostAsJsonAsync($"/v1/conversations/{closedId}/replies", new { text = "Hello?" }),
            HttpStatusCode.UnprocessableEntity,
            "messaging-window-closed"
        );
    }

    [Test]
    public async Task Arabic_instagram_dm_round_trips_exactly()
    {
        var (client, channelId, igId) = await ArrangeAsync("instagram arabic", "instagram");
        var body = Fixture(
            "instagram-dm-arabic.json",
            ("igId", igId),
            ("igsid", "6812345678901234"),
            ("mid", "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx")
        );
        Assert.That(body, Does.Contain("\\u0645\\u0631"), "Meta sends non-ASCII as \\u escapes, and signs those bytes");
        await ReceiptAsync(await PushAsync("instagram", channelId, body));
        var conversationId = (await ConversationsAsync(client)).Single()!["id"]!.GetValue<Guid>();
        var conversation = await HubApi.ReadJson(
            await client.GetAsync($"/v1/conversations/{conversationId}"),
            HttpStatusCode.OK
        );
        Assert.That(
            conversation["latestEngagements"]![0]!["text"]!.GetValue<string>(),
            Is.EqualTo("مرحبا، طلبي لم يصل بعد 😢📦")
        );

        const string answer = "نعتذر عن التأخير، سيصلك طلبك غداً 🚚✨";
        var replyId = await ReplyAsync(client, conversationId, new { text = answer });
        var sent = await ReplyWhenAsync(client, conversationId, replyId, "sent");
        var request = Platform.Requests.Single(r => r.MessageId == sent["platformMessageId"]!.GetValue<string>());
        Assert.Multiple(() =>
        {
            Assert.That(request.Path, Is.EqualTo($"/{FakePlatform.FakePlatform.GraphVersion}/{igId}/messages"));
            Assert.That(request.Body!["message"]!["text"]!.GetValue<string>(), Is.EqualTo(answer));
        });
    }

    [Test]
    public async Task Instagram_comment_is_public_threaded_by_media_and_answered_in_its_replies()
    {
        var (client, channelId, igId) = await ArrangeAsync("instagram comment", "instagram");
        await ReceiptAsync(
            await PushAsync(
                "instagram",
                channelId,
                Fixture("instagram-comment.json", ("igId", igId), ("igsid", "6899"), ("commentId", "17919697626119712"))
            )
        );
        await ReceiptAsync(
            await PushAsync(
                "instagram",
                channelId,
                Fixture("instagram-comment.json", ("igId", igId), ("igsid", "6899"), ("commentId", "17919697626119799"))
            )
        );
        var conversationId = (await ConversationsAsync(client)).Single()!["id"]!.GetValue<Guid>();
        var conversation = await HubApi.ReadJson(
            await client.GetAsync($"/v1/conversations/{conversationId}"),
            HttpStatusCode.OK
        );
        var comments = conversation["latestEngagements"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That(comments, Has.Count.EqualTo(2));
            Assert.That(comments.Select(c => c!["visibility"]!.GetValue<string>()), Is.All.EqualTo("public"));
            Assert.That(
                comments.Select(c => c!["threadKey"]!.GetValue<string>()),
                Is.All.EqualTo("media:18172143295349192")
            );
            Assert.That(comments[0]!["author"]!["handle"]!.GetValue<string>(), Is.EqualTo("layla.shops"));
        });

        var replyId = await ReplyAsync(client, conversationId, new { text = "We have sent you a DM, Layla." });
        var sent = await ReplyWhenAsync(client, conversationId, replyId, "sent");
        var request = Platform.Requests.Single(r => r.MessageId == sent["platformMessageId"]!.GetValue<string>());
        Assert.Multiple(() =>
        {
            Assert.That(
                request.Path,
                Is.EqualTo($"/{FakePlatform.FakePlatform.GraphVersion}/17919697626119799/replies"),
                "the latest comment is answered"
            );
            Assert.That(
                JsonNode.DeepEquals(request.Body, JsonNode.Parse("""{"message": "We have sent you a DM, Layla."}""")),
                Is.True
            );
        });
    }

    [TestCase("messenger")]
    [TestCase("instagram")]
    public async Task Handshake_signature_and_duplicates(string type)
    {
        var (client, channelId, account) = await ArrangeAsync($"{type} basics", type);
        using var platform = PlatformClient();
        var challenge = await platform.GetAsync(
            $"/v1/hooks/{type}/{channelId}?hub.mode=subscribe&hub.verify_token={VerifyToken}&hub.challenge=8675309"
        );
        Assert.That(await challenge.Content.ReadAsStringAsync(), Is.EqualTo("8675309"));
        await HubApi.ReadProblem(
            await platform.GetAsync(
                $"/v1/hooks/{type}/{channelId}?hub.mode=unsubscribe&hub.verify_token={VerifyToken}&hub.challenge=1"
            ),
            HttpStatusCode.Forbidden,
            "forbidden"
        );

        var body =
            type == "messenger"
                ? Fixture("messenger-message.json", ("pageId", account), ("psid", "31337"), ("mid", "m_dup"))
                : Fixture("instagram-dm-arabic.json", ("igId", account), ("igsid", "31337"), ("mid", "m_dup"));
        await HubApi.ReadProblem(
            await PlatformWebhooks.PushMetaAsync(platform, type, channelId, "wrong secret", body),
            HttpStatusCode.Unauthorized,
            "invalid-signature"
        );
        Assert.That(await ConversationsAsync(client), Is.Empty);

        var first = await ReceiptAsync(await PushAsync(type, channelId, body));
        var again = await ReceiptAsync(await PushAsync(type, channelId, body));
        Assert.Multiple(() =>
        {
            Assert.That(first["engagements"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(again["engagements"]!.GetValue<int>(), Is.EqualTo(0));
            Assert.That(again["duplicates"]!.GetValue<int>(), Is.EqualTo(1));
        });
        Assert.That(
            await client.WaitForEventsAsync(3),
            Has.Count.EqualTo(3),
            "customer, conversation and engagement once"
        );
    }

    [Test]
    public async Task Instagram_receipts_the_platform_reports_on_its_own_carry_the_reply_to_read()
    {
        var (client, channelId, igId) = await ArrangeAsync("instagram reported receipts", "instagram");
        using var hub = PlatformClient();
        Platform.ReportStatusesTo(igId, hub, channelId, AppSecret);
        try
        {
            await ReceiptAsync(
                await PushAsync(
                    "instagram",
                    channelId,
                    PlatformPayloads.InstagramText(
                        igId,
                        "6811",
                        "aWdfZAG1fmid1",
                        "Is the blue one back in stock?",
                        DateTimeOffset.UtcNow
                    )
                )
            );
            var conversationId = (await ConversationsAsync(client)).Single()!["id"]!.GetValue<Guid>();
            var replyId = await ReplyAsync(client, conversationId, new { text = "Yes, since this morning!" });
            var read = await ReplyWhenAsync(client, conversationId, replyId, "read");
            Assert.That(read["deliveredAt"], Is.Not.Null);
        }
        finally
        {
            Platform.StopReportingStatuses(igId);
        }
    }
}
