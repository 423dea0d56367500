using System.Net;
using SocialCare.Api.Tests.Support;
using SocialCare.FakePlatform;

namespace SocialCare.Api.Tests.Abuse;

/// <summary>Platform webhooks carry no key: their signature is the credential, and a malformed payload is still
/// refused.</summary>
public sealed partial class Abuse_suite
{
    /// <summary>How each platform signs its webhooks: the header, the channel setting holding the secret, the
    /// signature.</summary>
    private static readonly Dictionary<
        string,
        (string Header, string Secret, Func<string, byte[], string> Sign)
    > Signers = new()
    {
        ["whatsapp"] = ("X-Hub-Signature-256", "appSecret", PlatformWebhooks.MetaSignature),
        ["messenger"] = ("X-Hub-Signature-256", "appSecret", PlatformWebhooks.MetaSignature),
        ["instagram"] = ("X-Hub-Signature-256", "appSecret", PlatformWebhooks.MetaSignature),
        ["x"] = ("x-twitter-webhooks-signature", "consumerSecret", PlatformWebhooks.XSignature),
    };

    [Test]
    public async Task Forged_and_malformed_platform_webhooks_are_4xx_problems()
    {
        var run = new AbuseRun(_world);
        var verify = _operations.Single(o => o is { IsHook: true, Method: "GET" });
        var receive = _operations.Single(o => o is { IsHook: true, Method: "POST" });
        var client = _world.Anonymous;
        foreach (var (type, (channelId, settings)) in _world.HookChannels)
        {
            var path = $"/v1/hooks/{type}/{channelId}";
            var otherType = _world.HookChannels.First(c => c.Key != type).Value.ChannelId;
            foreach (
                var (name, url) in new[]
                {
                    ("unknown channel", $"/v1/hooks/{type}/{Guid.NewGuid()}"),
                    ("another type's channel", $"/v1/hooks/{type}/{otherType}"),
                    ("unknown type", $"/v1/hooks/no-such-platform/{channelId}"),
                }
            )
            {
                await run.SendAsync(
                    verify,
                    $"{type}: {name}",
                    client,
                    new HttpRequestMessage(HttpMethod.Get, url),
                    HttpStatusCode.NotFound,
                    "not-found"
                );
                await run.SendAsync(
                    receive,
                    $"{type}: {name}",
                    client,
                    Hook(url, "{}"),
                    HttpStatusCode.NotFound,
                    "not-found"
                );
            }

            await run.SendAsync(verify, $"{type}: no handshake", client, new HttpRequestMessage(HttpMethod.Get, path));
            await run.SendAsync(
                verify,
                $"{type}: wrong verify token",
                client,
                new HttpRequestMessage(
                    HttpMethod.Get,
                    $"{path}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1"
                )
            );
            await run.SendAsync(
                verify,
                $"{type}: NUL in the query",
                client,
                new HttpRequestMessage(HttpMethod.Get, $"{path}?hub.challenge=a%00b&crc_token=a%00b"),
                HttpStatusCode.BadRequest,
                "unsupported-character"
            );

            await run.SendAsync(
                receive,
                $"{type}: no signature",
                client,
                Hook(path, "{}"),
                HttpStatusCode.Unauthorized,
                "invalid-signature"
            );
            await run.SendAsync(
                receive,
                $"{type}: forged signatures",
                client,
                Hook(path, "{}", Signers.Values.Select(s => (s.Header, "sha256=" + new string('0', 64))).ToArray()),
                HttpStatusCode.Unauthorized,
                "invalid-signature"
            );
            await run.SendAsync(
                receive,
                $"{type}: 5 MB",
                client,
                Hook(path, "{\"a\":\"" + new string('x', 5 * 1024 * 1024) + "\"}"),
                HttpStatusCode.RequestEntityTooLarge,
                "payload-too-large"
            );
            if (!Signers.TryGetValue(type, out var signer))
            {
                TestContext.Progress.WriteLine(
                    $"Abuse suite: no signer known for {type} webhooks; only unsigned cases were sent."
                );
                continue;
            }

            var secret = settings[signer.Secret];
            HttpRequestMessage Signed(string body, string? signedBody = null, string? withSecret = null) =>
                Hook(
                    path,
                    body,
                    (
                        signer.Header,
                        signer.Sign(withSecret ?? secret, System.Text.Encoding.UTF8.GetBytes(signedBody ?? body))
                    )
                );
            await run.SendAsync(
                receive,
                $"{type}: signed with another secret",
                client,
                Signed("{}", withSecret: "not-the-secret"),
                HttpStatusCode.Unauthorized,
                "invalid-signature"
            );
            await run.SendAsync(
                receive,
                $"{type}: signature over other bytes",
                client,
                Signed("{}", signedBody: "{ }"),
                HttpStatusCode.Unauthorized,
                "invalid-signature"
            );
            foreach (
                var (name, body) in new[]
                {
                    ("truncated", "{\"object\":"),
                    ("not JSON", "not json"),
                    ("10,000 levels deep", new string('[', 10_000) + new string(']', 10_000)),
                }
            )
            {
                await run.SendAsync(
                    receive,
                    $"{type}: signed, {name}",
                    client,
                    Signed(body),
                    HttpStatusCode.BadRequest,
                    "malformed-json"
                );
            }

            foreach (
                var (name, body) in new[]
                {
                    ("empty object", "{}"),
                    ("array", "[]"),
                    ("another platform's object", "{\"object\":\"no-such-platform\",\"entry\":[]}"),
                }
            )
            {
                await run.SendAsync(
                    receive,
                    $"{type}: signed, {name}",
                    client,
                    Signed(body),
                    HttpStatusCode.UnprocessableEntity,
                    "unexpected-payload"
                );
            }
        }

        Report(run, "platform webhooks");
    }

    private static HttpRequestMessage Hook(string path, string body, params (string Header, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = HubApi.Json(body) };
        foreach (var (header, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        return request;
    }
}
