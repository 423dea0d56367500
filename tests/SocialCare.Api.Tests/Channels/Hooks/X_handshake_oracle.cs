using System.Net;
using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Support;
using SocialCare.FakePlatform;

namespace SocialCare.Api.Tests.Channels.Hooks;

/// <summary>
/// X's CRC check answers HMAC(consumer secret, crc_token): exactly the signature a POST of that token as its body
/// carries. An outsider who knows a channel id must get neither a signature for a body of their choosing, nor anything
/// the POST accepts.
/// </summary>
public sealed class X_handshake_oracle : ConnectorFixture
{
    private const string ConsumerSecret = "x-consumer-secret-oracle";
    private const string XConnectorHeader = "x-twitter-webhooks-signature";

    protected override IReadOnlyDictionary<string, string?>? Settings =>
        new Dictionary<string, string?>(base.Settings!) { ["RateLimiting:HandshakesPerAccountPerMinute"] = "5" };

    private async Task<(HttpClient Client, Guid ChannelId, string UserId)> ArrangeAsync(string name)
    {
        var (_, client) = await Hub.CreateTenantAsync(name);
        var userId = Random
            .Shared.NextInt64(1_000_000_000, 9_999_999_999)
            .ToString(System.Globalization.CultureInfo.InvariantCulture);
        var channelId = await client.CreateChannelAsync(
            "x",
            "KLM",
            new
            {
                userId,
                consumerSecret = ConsumerSecret,
                bearerToken = "x-bearer",
                apiBaseUrl = Platform.XBaseUrl,
            }
        );
        return (client, channelId, userId);
    }

    private async Task<HttpResponseMessage> CrcAsync(Guid channelId, string token) =>
        await PlatformClient().GetAsync($"/v1/hooks/x/{channelId}?crc_token={Uri.EscapeDataString(token)}");

    [Test]
    public async Task A_json_body_offered_as_crc_token_is_refused_so_no_payload_can_be_signed()
    {
        var (client, channelId, userId) = await ArrangeAsync("x oracle json");
        var forged = new JsonObject
        {
            ["for_user_id"] = userId,
            ["tweet_create_events"] = new JsonArray(
                new JsonObject
                {
                    ["id_str"] = "1",
                    ["text"] = "forged",
                    ["user"] = new JsonObject { ["id_str"] = "666" },
                }
            ),
        }.ToJsonString();
        await HubApi.ReadProblem(await CrcAsync(channelId, forged), HttpStatusCode.BadRequest, "bad-request");
        await HubApi.ReadProblem(
            await CrcAsync(channelId, new string('a', 257)),
            HttpStatusCode.BadRequest,
            "bad-request"
        );
        // Whatever the attacker signs with the secret they do not have, the POST refuses.
        await HubApi.ReadProblem(
            await PlatformWebhooks.PushAsync(
                PlatformClient(),
                $"/v1/hooks/x/{channelId}",
                forged,
                XConnectorHeader,
                "sha256=guess"
            ),
            HttpStatusCode.Unauthorized,
            "invalid-signature"
        );
        Assert.That(await ConversationsAsync(client), Is.Empty);
    }

    [TestCase("123")]
    [TestCase("9b4507b3-9040-4669-9ca3-6b94edb50553")]
    [TestCase("eyJmb3JfdXNlcl9pZCI6IjEifQ==")]
    public async Task Any_body_the_handshake_signs_is_refused_by_the_post(string token)
    {
        var (client, channelId, _) = await ArrangeAsync("x oracle token");
        var answer = await HubApi.ReadJson(await CrcAsync(channelId, token), HttpStatusCode.OK);
        var signature = answer["response_token"]!.GetValue<string>();
        Assert.That(
            signature,
            Is.EqualTo(PlatformWebhooks.XSignature(ConsumerSecret, System.Text.Encoding.ASCII.GetBytes(token))),
            "a real CRC answer"
        );
        await HubApi.ReadProblem(
            await PlatformWebhooks.PushAsync(
                PlatformClient(),
                $"/v1/hooks/x/{channelId}",
                token,
                XConnectorHeader,
                signature
            ),
            HttpStatusCode.Unauthorized,
            "invalid-signature"
        );
        Assert.That(await ConversationsAsync(client), Is.Empty);
    }

    [Test]
    public async Task Handshakes_are_limited_per_channel_account()
    {
        var (_, busy, _) = await ArrangeAsync("x crc busy");
        var (_, quiet, _) = await ArrangeAsync("x crc quiet");
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add((await CrcAsync(busy, $"token{i}")).StatusCode);
        }

        var limited = await CrcAsync(busy, "token-late");
        var other = await CrcAsync(quiet, "token0");
        Assert.Multiple(() =>
        {
            Assert.That(answers.Take(5), Is.All.EqualTo(HttpStatusCode.OK));
            Assert.That(answers[5], Is.EqualTo(HttpStatusCode.TooManyRequests));
            Assert.That(limited.Headers.RetryAfter, Is.Not.Null);
            Assert.That(
                other.StatusCode,
                Is.EqualTo(HttpStatusCode.OK),
                "another account's handshakes are not held up"
            );
        });
    }
}
