using System.Net;
using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Support;
using SocialCare.FakePlatform;

namespace SocialCare.Api.Tests.Channels.X;

public sealed class X_connector : ConnectorFixture
{
    private const string ConsumerSecret = "x-consumer-secret-for-tests";
    private const string Customer = "2244994945";

    private async Task<(HttpClient Client, Guid ChannelId, string UserId)> ArrangeAsync(string name)
    {
        var (_, client) = await Hub.CreateTenantAsync(name);
        var userId = Random
            .Shared.NextInt64(1_000_000_000, 9_999_999_999)
            .ToString(System.Globalization.CultureInfo.InvariantCulture);
        var bearer = $"x-bearer-{Guid.NewGuid():N}";
        Platform.AddXAccount(userId, bearer);
        var channelId = await client.CreateChannelAsync(
            "x",
            "KLM",
            new
            {
                userId,
                consumerSecret = ConsumerSecret,
                bearerToken = bearer,
                apiBaseUrl = Platform.XBaseUrl,
            }
        );
        return (client, channelId, userId);
    }

    private Task<HttpResponseMessage> PushAsync(Guid channelId, string body) =>
        PlatformWebhooks.PushXAsync(PlatformClient(), channelId, ConsumerSecret, body);

    private static string Tweet(string ourUserId, string tweetId, string author = Customer, string? inReplyTo = null) =>
        Fixture(
            "x-tweet-create.json",
            ("ourUserId", ourUserId),
            ("tweetId", tweetId),
            ("customerId", author),
            ("inReplyTo", inReplyTo is null ? "null" : $"\"{inReplyTo}\"")
        );

    [Test]
    public async Task Crc_check_answers_the_documented_response_token()
    {
        var (_, channelId, _) = await ArrangeAsync("x crc");
        var answer = await HubApi.ReadJson(
            await PlatformClient().GetAsync($"/v1/hooks/x/{channelId}?crc_token=9b4507b3-9040-4669-9ca3-6b94edb50553"),
            HttpStatusCode.OK
        );
        Assert.That(
            answer["response_token"]!.GetValue<string>(),
            Is.EqualTo("sha256=7eclTqMj3f/wGkqVXamkr7G2EvNrdrI8vReSpquP4to=")
        );
        await HubApi.ReadProblem(
            await PlatformClient().GetAsync($"/v1/hooks/x/{channelId}"),
            HttpStatusCode.BadRequest,
            "bad-request"
        );
    }

    [Test]
    public async Task Bad_signature_is_401_and_stores_nothing_and_a_resent_webhook_changes_nothing()
    {
        var (client, channelId, userId) = await ArrangeAsync("x signature");
        await HubApi.ReadProblem(
            await PlatformWebhooks.PushXAsync(
                PlatformClient(),
                channelId,
                "not the consumer secret",
                Tweet(userId, "1850000000000000001")
            ),
            HttpStatusCode.Unauthorized,
            "invalid-signature"
        );
        Assert.That(await ConversationsAsync(client), Is.Empty);

        var first = await ReceiptAsync(await PushAsync(channelId, Tweet(userId, "1850000000000000001")));
        var again = await ReceiptAsync(await PushAsync(channelId, Tweet(userId, "1850000000000000001")));
        Assert.Multiple(() =>
        {
            Assert.That(first["engagements"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(again["duplicates"]!.GetValue<int>(), Is.EqualTo(1), "X resends a webhook it got no 200 for");
        });
        Assert.That(await client.WaitForEventsAsync(3), Has.Count.EqualTo(3));
    }

    [Test]
    public async Task Public_mention_then_dm_is_one_conversation_answered_publicly_then_privately()
    {
        var (client, channelId, userId) = await ArrangeAsync("x handoff");
        const string mention = "1850000000000000001";
        await ReceiptAsync(await PushAsync(channelId, Tweet(userId, mention)));
        var own = await ReceiptAsync(await PushAsync(channelId, Tweet(userId, "1850000000000000002", author: userId)));
        Assert.That(own["ignored"]!.GetValue<int>(), Is.EqualTo(1), "our own tweet");
        var conversationId = (await ConversationsAsync(client)).Single()!["id"]!.GetValue<Guid>();

        var publicReply = await ReplyAsync(
            client,
            conversationId,
            new { text = "Sorry, Omar. We've sent you a DM.", visibility = "public" }
        );
        var tweeted = await ReplyWhenAsync(client, conversationId, publicReply, "sent");
        var tweet = Platform.Requests.Single(r => r.MessageId == tweeted["platformMessageId"]!.GetValue<string>());
        Assert.Multiple(() =>
        {
            Assert.That(tweet.Path, Is.EqualTo("/x/2/tweets"));
            Assert.That(
                JsonNode.DeepEquals(
                    tweet.Body,
                    JsonNode.Parse(
                        $$$"""
                        {"text": "Sorry, Omar. We've sent you a DM.",
                         "reply": {"in_reply_to_tweet_id": "{{{mention}}}"}}
                        """
                    )
                ),
                Is.True,
                tweet.Body?.ToJsonString()
            );
        });

        await ReceiptAsync(
            await PushAsync(
                channelId,
                Fixture(
                    "x-direct-message.json",
                    ("ourUserId", userId),
                    ("customerId", Customer),
                    ("dmId", "1850000000000000010")
                )
            )
        );
        // A reply to our public reply continues the mention's thread.
        await ReceiptAsync(
            await PushAsync(
                channelId,
                Tweet(userId, "1850000000000000003", inReplyTo: tweeted["platformMessageId"]!.GetValue<string>())
            )
        );
        var conversations = await ConversationsAsync(client);
        Assert.That(conversations, Has.Count.EqualTo(1), "mention, DM and follow-up tweet are one conversation");
        var conversation = await HubApi.ReadJson(
            await client.GetAsync($"/v1/conversations/{conversationId}"),
            HttpStatusCode.OK
        );
        var engagements = conversation["latestEngagements"]!
            .AsArray()
            .ToDictionary(e => e!["platformMessageId"]!.GetValue<string>(), e => e!);
        Assert.Multiple(() =>
        {
            Assert.That(engagements, Has.Count.EqualTo(3));
            Assert.That(engagements["1850000000000000010"]["visibility"]!.GetValue<string>(), Is.EqualTo("private"));
            Assert.That(
                engagements["1850000000000000010"]["text"]!.GetValue<string>(),
                Is.EqualTo("Here is my bag tag: KL 123456")
            );
            Assert.That(engagements["1850000000000000003"]["threadKey"]!.GetValue<string>(), Is.EqualTo(mention));
            Assert.That(engagements[mention]["author"]!["handle"]!.GetValue<string>(), Is.EqualTo("omar_h"));
        });

        var dmReply = await ReplyAsync(
            client,
            conversationId,
            new { text = "Thanks, your bag is on KL429 tonight.", visibility = "private" }
        );
        var dmSent = await ReplyWhenAsync(client, conversationId, dmReply, "sent");
        var dm = Platform.Requests.Single(r => r.MessageId == dmSent["platformMessageId"]!.GetValue<string>());
        Assert.Multiple(() =>
        {
            Assert.That(dm.Path, Is.EqualTo($"/x/2/dm_conversations/with/{Customer}/messages"));
            Assert.That(
                JsonNode.DeepEquals(dm.Body, JsonNode.Parse("""{"text": "Thanks, your bag is on KL429 tonight."}""")),
                Is.True
            );
        });
    }
}
