using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Infrastructure.Secrets;

/// <summary>Channel credentials, webhook signing secrets and stored answers that carry them are encrypted in
/// PostgreSQL.</summary>
public sealed class Secrets_at_rest : HubFixture
{
    protected override bool OwnDatabase => true;

    protected override IReadOnlyDictionary<string, string?>? Settings =>
        new Dictionary<string, string?> { ["Webhooks:AllowPrivateTargets"] = "true" };

    [Test]
    public async Task Secrets_are_not_in_a_database_dump()
    {
        var (_, client) = await Hub.CreateTenantAsync("dump");
        string[] channelSecrets =
        [
            "EAAG-dump-access-token-0001",
            "dump-app-secret-0002",
            "dump-verify-token-0003",
            "dump-consumer-secret-0004",
            "dump-bearer-token-0005",
            "dump-sms-api-token-0006",
        ];
        await client.CreateChannelAsync(
            "whatsapp",
            "Namshi",
            new
            {
                phoneNumberId = "106540352242922",
                accessToken = channelSecrets[0],
                appSecret = channelSecrets[1],
                verifyToken = channelSecrets[2],
            }
        );
        await client.CreateChannelAsync(
            "x",
            "Namshi",
            new
            {
                userId = "2244994945",
                consumerSecret = channelSecrets[3],
                bearerToken = channelSecrets[4],
            }
        );
        await HubApi.ReadJson(
            await client.PostAsJsonAsync(
                "/v1/channels",
                new
                {
                    type = "sms",
                    name = "gateway",
                    brand = "Namshi",
                    secrets = new { apiToken = channelSecrets[5] },
                }
            ),
            HttpStatusCode.Created
        );

        // Created with an Idempotency-Key, so that its answer, secret included, is stored for a replay; then rotated.
        using var create = new HttpRequestMessage(HttpMethod.Post, "/v1/subscriptions")
        {
            Content = JsonContent.Create(new { url = "http://127.0.0.1:9/hook" }),
        };
        create.Headers.Add("Idempotency-Key", "dump-subscription");
        var created = await HubApi.ReadJson(await client.SendAsync(create), HttpStatusCode.Created);
        var rotated = await HubApi.ReadJson(
            await client.PostAsync($"/v1/subscriptions/{created["id"]}/rotate-secret", null),
            HttpStatusCode.OK
        );
        var signingSecrets = new[] { created["secret"]!.GetValue<string>(), rotated["secret"]!.GetValue<string>() };

        var dump = await PgDump.RunAsync(ConnectionString);
        Assert.That(
            dump,
            Does.Contain("COPY public.channels").And.Contain("dump-subscription").And.Contain("106540352242922"),
            "the dump holds the rows whose secrets it must not show"
        );
        Assert.Multiple(() =>
        {
            foreach (
                var secret in channelSecrets
                    .Concat(signingSecrets)
                    .Concat(signingSecrets.Select(s => s["whsec_".Length..]))
            )
            {
                Assert.That(dump, Does.Not.Contain(secret));
            }

            Assert.That(dump, Does.Not.Contain("whsec_"));
        });
    }

    [Test]
    public async Task Only_the_admin_key_may_re_encrypt()
    {
        var (_, client) = await Hub.CreateTenantAsync("not an operator");
        await HubApi.ReadProblem(
            await client.PostAsync("/v1/admin/secrets/re-encrypt", null),
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        using var anonymous = Hub.CreateClient();
        await HubApi.ReadProblem(
            await anonymous.PostAsync("/v1/admin/secrets/re-encrypt", null),
            HttpStatusCode.Unauthorized,
            "unauthorized"
        );
    }

    [TestCase(null, "has no key to do it with")]
    [TestCase("c2hvcnQ=", "is not the base64 of exactly 32 bytes")]
    public async Task The_hub_refuses_to_start_without_a_usable_active_key(string? key, string complaint)
    {
        await using var hub = new HubFactory(
            new Dictionary<string, string?>
            {
                [$"Secrets:Keys:{HubFactory.SecretsKeyId}"] = key,
                ["Secrets:ActiveKey"] = key is null ? null : HubFactory.SecretsKeyId,
            }
        );
        var refused = Assert.CatchAsync(hub.StartAsync);
        Assert.That(
            refused!.ToString(),
            Does.Contain(complaint).And.Contain("Secrets:Keys:<keyId>").And.Contain("Secrets:ActiveKey")
        );
    }
}
