using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.Channels;
using SocialCare.Api.Channels.Meta;
using SocialCare.Api.Tests.Support;
using SocialCare.Contracts;
using SocialCare.FakePlatform;

namespace SocialCare.Api.Tests.Channels.Replies;

/// <summary>What a platform — or whatever answers in its place — can and cannot make the hub do.</summary>
public sealed class Platform_call_limits : ConnectorFixture
{
    private const string OtherAppSecret = "another-apps-secret";

    protected override IReadOnlyDictionary<string, string?>? Settings =>
        new Dictionary<string, string?>(base.Settings!)
        {
            ["Connectors:AttemptTimeout"] = "00:00:01",
            ["Connectors:MaxRetries"] = "0",
        };

    private static string NewNumber() =>
        Random
            .Shared.NextInt64(100_000_000_000_000, 999_999_999_999_999)
            .ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task<Guid> WhatsAppAsync(
        HttpClient client,
        string phoneNumberId,
        string appSecret = AppSecret,
        string verifyToken = VerifyToken
    )
    {
        Platform.AddWhatsAppNumber(phoneNumberId, AccessToken);
        return await client.CreateChannelAsync(
            "whatsapp",
            "Namshi",
            new
            {
                phoneNumberId,
                accessToken = AccessToken,
                appSecret,
                verifyToken,
                graphApiBaseUrl = Platform.GraphBaseUrl,
            }
        );
    }

    private static string Inbound(string phoneNumberId, string wamid) =>
        Fixture("whatsapp-text.json", ("wamid", wamid))
            .Replace("106540352242922", phoneNumberId, StringComparison.Ordinal);

    [Test]
    public async Task A_platform_that_trickles_its_answer_fails_the_reply_at_the_attempt_timeout()
    {
        var (_, client) = await Hub.CreateTenantAsync("trickle");
        var number = NewNumber();
        var channelId = await WhatsAppAsync(client, number);
        await ReceiptAsync(
            await PlatformWebhooks.PushMetaAsync(
                PlatformClient(),
                "whatsapp",
                channelId,
                AppSecret,
                Inbound(number, $"wamid.{Guid.NewGuid():N}")
            )
        );
        var conversationId = (await ConversationsAsync(client)).Single()!["id"]!.GetValue<Guid>();
        Platform.StallNextBodies(1);

        var replyId = await ReplyAsync(client, conversationId, new { text = "Checking" });
        var reply = await ReplyWhenAsync(client, conversationId, replyId, "failed");
        Assert.That(reply["error"]!["code"]!.GetValue<string>(), Is.EqualTo("timeout"));
    }

    [Test]
    public async Task A_hook_part_for_another_account_is_taken_only_when_that_accounts_own_secret_verifies_it()
    {
        var (_, client) = await Hub.CreateTenantAsync("foreign account");
        var (hookNumber, foreignNumber, siblingNumber) = (NewNumber(), NewNumber(), NewNumber());
        var hookChannel = await WhatsAppAsync(client, hookNumber);
        await WhatsAppAsync(client, foreignNumber, OtherAppSecret);
        await WhatsAppAsync(client, siblingNumber);

        var foreign = await ReceiptAsync(
            await PlatformWebhooks.PushMetaAsync(
                PlatformClient(),
                "whatsapp",
                hookChannel,
                AppSecret,
                Inbound(foreignNumber, $"wamid.{Guid.NewGuid():N}")
            )
        );
        var sibling = await ReceiptAsync(
            await PlatformWebhooks.PushMetaAsync(
                PlatformClient(),
                "whatsapp",
                hookChannel,
                AppSecret,
                Inbound(siblingNumber, $"wamid.{Guid.NewGuid():N}")
            )
        );
        Assert.Multiple(() =>
        {
            Assert.That(
                foreign["engagements"]!.GetValue<int>(),
                Is.Zero,
                "signed with another app's secret than the account's own"
            );
            Assert.That(foreign["ignored"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(
                sibling["engagements"]!.GetValue<int>(),
                Is.EqualTo(1),
                "an account of the same app is reached through any of its URLs"
            );
        });
    }

    [Test]
    public async Task The_verify_token_must_match_byte_for_byte()
    {
        var (_, client) = await Hub.CreateTenantAsync("utf-8 verify token");
        var channelId = await WhatsAppAsync(client, NewNumber(), verifyToken: "vérifier-ü");
        async Task<HttpStatusCode> Handshake(string token) =>
            (
                await PlatformClient()
                    .GetAsync(
                        $"/v1/hooks/whatsapp/{channelId}?hub.mode=subscribe&hub.challenge=42"
                            + $"&hub.verify_token={Uri.EscapeDataString(token)}"
                    )
            ).StatusCode;
        Assert.Multiple(async () =>
        {
            Assert.That(
                await Handshake("v?rifier-?"),
                Is.EqualTo(HttpStatusCode.Forbidden),
                "non-ASCII characters do not fold into '?'"
            );
            Assert.That(await Handshake("vérifier-u"), Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(await Handshake("vérifier-ü"), Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task A_platform_message_id_with_control_characters_is_ignored_and_the_rest_of_the_payload_is_taken()
    {
        var (_, client) = await Hub.CreateTenantAsync("odd ids");
        var number = NewNumber();
        var channelId = await WhatsAppAsync(client, number);
        var good = JsonNode.Parse(Inbound(number, $"wamid.{Guid.NewGuid():N}"))!;
        var value = good["entry"]![0]!["changes"]![0]!["value"]!;
        var odd = value["messages"]![0]!.DeepClone();
        odd["id"] = "wamid.\u0001" + new string('x', 10);
        var huge = value["messages"]![0]!.DeepClone();
        huge["id"] = "wamid." + new string('x', 5000);
        value["messages"]!.AsArray().Add(odd);
        value["messages"]!.AsArray().Add(huge);

        var receipt = await ReceiptAsync(
            await PlatformWebhooks.PushMetaAsync(
                PlatformClient(),
                "whatsapp",
                channelId,
                AppSecret,
                good.ToJsonString()
            )
        );
        Assert.Multiple(() =>
        {
            Assert.That(receipt["engagements"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(receipt["ignored"]!.GetValue<int>(), Is.EqualTo(2));
        });
    }

    [TestCase("17858893269123456/../../me", "/v25.0/17858893269123456%2F..%2F..%2Fme/replies")]
    [TestCase("17858893269123456?fields=access_token", "/v25.0/17858893269123456%3Ffields%3Daccess_token/replies")]
    public void A_comment_id_is_one_escaped_path_segment_of_the_graph_url(string commentId, string path)
    {
        var request = new MetaMessagingConnector(MetaMessagingConnector.InstagramProfile).CreateSend(
            Comment(commentId),
            InstagramChannel()
        );
        Assert.That(request.RequestUri!.AbsolutePath, Is.EqualTo(path));
    }

    [TestCase("..")]
    [TestCase(".")]
    public void A_dot_segment_is_never_a_comment_id(string commentId) =>
        Assert.Throws<ArgumentException>(() =>
            new MetaMessagingConnector(MetaMessagingConnector.InstagramProfile).CreateSend(
                Comment(commentId),
                InstagramChannel()
            )
        );

    private static ReplyRequested Comment(string commentId) =>
        new()
        {
            ChannelType = "instagram",
            Recipient = "someone",
            Text = "Thanks!",
            Visibility = "public",
            InReplyTo = commentId,
        };

    private static Channel InstagramChannel() =>
        new(
            Guid.NewGuid(),
            Guid.NewGuid(),
            "instagram",
            "IG",
            "Namshi",
            new Dictionary<string, JsonElement>
            {
                ["instagramAccountId"] = JsonSerializer.SerializeToElement("1784"),
                ["graphApiBaseUrl"] = JsonSerializer.SerializeToElement("https://graph.facebook.com/v25.0"),
            },
            new Dictionary<string, JsonElement> { ["accessToken"] = JsonSerializer.SerializeToElement("EAAG") },
            DateTimeOffset.UtcNow,
            DateTimeOffset.UtcNow
        );
}
