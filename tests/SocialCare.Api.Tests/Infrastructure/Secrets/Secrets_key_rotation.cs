using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using SocialCare.Api.Tests.Support;
using SocialCare.FakePlatform;

namespace SocialCare.Api.Tests.Infrastructure.Secrets;

/// <summary>The operator's rotation of the key that encrypts stored secrets: add a key, make it active, re-encrypt,
/// retire the old one.</summary>
public sealed class Secrets_key_rotation
{
    private const string PhoneNumberId = "106540352242922";
    private const string AccessToken = "EAAG-rotation-access-token";
    private const string AppSecret = "rotation-app-secret";
    private static readonly string OldKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string NewKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static Dictionary<string, string?> Settings(string database, string active, bool withOld) =>
        new()
        {
            ["ConnectionStrings:Postgres"] = database,
            ["Webhooks:AllowPrivateTargets"] = "true",
            ["Connectors:AllowPrivateTargets"] = "true",
            [$"Secrets:Keys:{HubFactory.SecretsKeyId}"] = null,
            ["Secrets:Keys:old"] = withOld ? OldKey : null,
            ["Secrets:Keys:new"] = active == "new" ? NewKey : null,
            ["Secrets:ActiveKey"] = active,
        };

    [Test]
    public async Task A_new_active_key_and_a_re_encryption_let_the_old_key_go_and_everything_keeps_working()
    {
        await TestEnvironment.WithDatabaseAsync(
            "secrets-rotation",
            async database =>
            {
                await using var platform = await FakePlatform.FakePlatform.StartAsync();
                await using var receiver = await WebhookReceiver.StartAsync();
                platform.AddWhatsAppNumber(PhoneNumberId, AccessToken);
                string apiKey,
                    signingSecret;
                Guid channelId;
                var subscription = new { url = receiver.Url() };
                await using (var before = await new HubFactory(Settings(database, "old", withOld: true)).StartAsync())
                {
                    var workspaceId = await before.CreateWorkspaceAsync("rotation");
                    (_, apiKey) = await before.CreateKeyAsync(
                        workspaceId,
                        "care app",
                        SocialCare.Api.Authorization.Scopes.All.ToArray()
                    );
                    using var client = before.ClientWithKey(apiKey);
                    channelId = await client.CreateChannelAsync(
                        "whatsapp",
                        "Namshi",
                        new
                        {
                            phoneNumberId = PhoneNumberId,
                            accessToken = AccessToken,
                            appSecret = AppSecret,
                            verifyToken = "rotation-verify-token",
                            graphApiBaseUrl = platform.GraphBaseUrl,
                        }
                    );
                    signingSecret = (
                        await HubApi.ReadJson(await client.SendAsync(Create(subscription)), HttpStatusCode.Created)
                    )["secret"]!.GetValue<string>();
                }

                await using (var tooEarly = new HubFactory(Settings(database, "new", withOld: false)))
                {
                    var refused = Assert.CatchAsync(tooEarly.StartAsync, "the old key still encrypts everything");
                    Assert.That(refused!.ToString(), Does.Contain("under 'old'").And.Contain("re-encrypt"));
                }

                await using (var during = await new HubFactory(Settings(database, "new", withOld: true)).StartAsync())
                {
                    using var admin = during.AdminClient();
                    var result = await HubApi.ReadJson(
                        await admin.PostAsync("/v1/admin/secrets/re-encrypt", null),
                        HttpStatusCode.OK
                    );
                    Assert.Multiple(async () =>
                    {
                        Assert.That(result["activeKey"]!.GetValue<string>(), Is.EqualTo("new"));
                        Assert.That(result["rewritten"]!["channels"]!.GetValue<int>(), Is.EqualTo(1));
                        Assert.That(result["rewritten"]!["subscriptions"]!.GetValue<int>(), Is.EqualTo(1));
                        Assert.That(result["rewritten"]!["idempotency_keys"]!.GetValue<int>(), Is.EqualTo(1));
                        Assert.That(
                            await StoredSecretsProbe.StoredValuesAsync(database),
                            Has.Count.EqualTo(3).And.All.StartWith("enc:v1:new:")
                        );
                    });
                    var again = await HubApi.ReadJson(
                        await admin.PostAsync("/v1/admin/secrets/re-encrypt", null),
                        HttpStatusCode.OK
                    );
                    Assert.That(
                        again["rewritten"]!.AsObject().Select(t => t.Value!.GetValue<int>()),
                        Has.All.EqualTo(0),
                        "nothing is left under another key"
                    );
                }

                await using var after = await new HubFactory(Settings(database, "new", withOld: false)).StartAsync();
                using var care = after.ClientWithKey(apiKey);
                var receipt = await HubApi.ReadJson(
                    await PlatformWebhooks.PushMetaAsync(
                        after.CreateClient(),
                        "whatsapp",
                        channelId,
                        AppSecret,
                        StoredSecretsProbe.WhatsAppText("wamid.after-rotation")
                    ),
                    HttpStatusCode.OK
                );
                Assert.That(
                    receipt["engagements"]!.GetValue<int>(),
                    Is.EqualTo(1),
                    "the app secret verifies the platform's signature"
                );
                var conversationId = (
                    await HubApi.ReadJson(await care.GetAsync("/v1/conversations"), HttpStatusCode.OK)
                )["items"]![0]!["id"]!.GetValue<Guid>();
                await HubApi.ReadJson(
                    await care.PostAsJsonAsync(
                        $"/v1/conversations/{conversationId}/replies",
                        new { text = "It does, in blue." }
                    ),
                    HttpStatusCode.Accepted
                );
                var sent = await Eventually.Until(
                    () =>
                        Task.FromResult(
                            platform
                                .Requests.Where(r => r.Path.EndsWith("/messages", StringComparison.Ordinal))
                                .ToList()
                        ),
                    r => r.Count > 0,
                    what: "the reply to reach WhatsApp"
                );
                Assert.That(
                    sent.Select(r => r.Authorization),
                    Has.All.EqualTo($"Bearer {AccessToken}"),
                    "the reply carries the access token"
                );

                var delivered = await receiver.WaitForAsync(_ => true, 1);
                Assert.That(
                    StoredSecretsProbe.SignedWith(delivered[0], signingSecret),
                    Is.True,
                    "webhooks are signed with the secret shown at creation"
                );
                var replayed = await HubApi.ReadJson(
                    await care.SendAsync(Create(subscription)),
                    HttpStatusCode.Created
                );
                Assert.That(
                    replayed["secret"]!.GetValue<string>(),
                    Is.EqualTo(signingSecret),
                    "the stored answer replays"
                );
            }
        );
    }

    private static HttpRequestMessage Create(object subscription)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/subscriptions")
        {
            Content = JsonContent.Create(subscription),
        };
        request.Headers.Add("Idempotency-Key", "rotation-subscription");
        return request;
    }
}
