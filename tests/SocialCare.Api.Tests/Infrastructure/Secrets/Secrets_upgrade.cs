using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using SocialCare.Api.Idempotency;
using SocialCare.Api.Tests.Support;
using SocialCare.Api.Webhooks;
using SocialCare.Api.Webhooks.Sending;
using SocialCare.FakePlatform;

namespace SocialCare.Api.Tests.Infrastructure.Secrets;

/// <summary>A database written by a hub from before secrets were encrypted: its rows are encrypted at start-up, and
/// keep working.</summary>
public sealed class Secrets_upgrade
{
    private const string AppSecret = "upgrade-app-secret";
    private const string LastPlaintextMigration = "0018";

    [Test]
    public async Task Secrets_stored_in_clear_by_an_older_hub_are_encrypted_at_start_and_keep_working()
    {
        await TestEnvironment.WithDatabaseAsync(
            "secrets-upgrade",
            async database =>
            {
                await using var receiver = await WebhookReceiver.StartAsync();
                var old = await WriteAsAnOlderHubAsync(database, receiver.Url());

                // Two instances of the new hub start together: the advisory lock makes one encrypt, the other find
                // nothing left.
                var settings = new Dictionary<string, string?>
                {
                    ["ConnectionStrings:Postgres"] = database,
                    ["Webhooks:AllowPrivateTargets"] = "true",
                };
                await using var one = new HubFactory(settings);
                await using var two = new HubFactory(settings);
                await Task.WhenAll(Task.Run(one.StartAsync), Task.Run(two.StartAsync));

                var stored = await StoredSecretsProbe.StoredValuesAsync(database);
                Assert.That(
                    stored,
                    Has.Count.EqualTo(3).And.All.StartWith($"enc:v1:{HubFactory.SecretsKeyId}:"),
                    string.Join("\n", stored)
                );

                using var client = two.ClientWithKey(old.ApiKey);
                var channel = await HubApi.ReadJson(
                    await client.GetAsync($"/v1/channels/{old.ChannelId}"),
                    HttpStatusCode.OK
                );
                Assert.That(
                    channel["secretsSet"]!.AsArray().Select(s => s!.GetValue<string>()),
                    Is.EqualTo(new[] { "appSecret", "verifyToken" })
                );
                var receipt = await HubApi.ReadJson(
                    await PlatformWebhooks.PushMetaAsync(
                        two.CreateClient(),
                        "whatsapp",
                        old.ChannelId,
                        AppSecret,
                        StoredSecretsProbe.WhatsAppText("wamid.after-upgrade")
                    ),
                    HttpStatusCode.OK
                );
                Assert.That(
                    receipt["engagements"]!.GetValue<int>(),
                    Is.EqualTo(1),
                    "the app secret still verifies the platform's signature"
                );

                await HubApi.ReadJson(
                    await client.PostAsync($"/v1/subscriptions/{old.SubscriptionId}/test", null),
                    HttpStatusCode.Accepted
                );
                var test = (
                    await receiver.WaitForAsync(
                        r =>
                            r.Body.Length > 0
                            && JsonDocument.Parse(r.Body).RootElement.GetProperty("type").GetString() == "webhook.test",
                        1
                    )
                )[0];
                Assert.That(
                    StoredSecretsProbe.SignedWith(test, old.SigningSecret),
                    Is.True,
                    "signed with the secret stored in clear"
                );

                using var retry = new HttpRequestMessage(HttpMethod.Post, "/v1/subscriptions")
                {
                    Content = JsonContent.Create(new { url = old.IdempotentUrl }),
                };
                retry.Headers.Add("Idempotency-Key", old.IdempotencyKey);
                using var replayed = await client.SendAsync(retry);
                Assert.Multiple(async () =>
                {
                    Assert.That(replayed.StatusCode, Is.EqualTo(HttpStatusCode.Created));
                    Assert.That(replayed.Headers.GetValues("Idempotent-Replayed").Single(), Is.EqualTo("true"));
                    Assert.That(await replayed.Content.ReadAsStringAsync(), Is.EqualTo(old.StoredAnswer));
                });
            }
        );
    }

    private sealed record OlderHubRows(
        string ApiKey,
        Guid ChannelId,
        Guid SubscriptionId,
        string SigningSecret,
        string IdempotencyKey,
        string IdempotentUrl,
        string StoredAnswer
    );

    /// <summary>The schema as it was before secrets were encrypted, and rows written into it exactly as that hub wrote
    /// them.</summary>
    private static async Task<OlderHubRows> WriteAsAnOlderHubAsync(string database, string webhookUrl)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await OlderHub.MigrateToAsync(connection, LastPlaintextMigration);

        var (workspaceId, channelId, subscriptionId) = (
            Guid.CreateVersion7(),
            Guid.CreateVersion7(),
            Guid.CreateVersion7()
        );
        var signingSecret = WebhookSigner.NewSecret();
        const string idempotentUrl = "http://127.0.0.1:9/created-before-the-upgrade";
        var answer = JsonSerializer.Serialize(
            new
            {
                id = Guid.CreateVersion7(),
                url = idempotentUrl,
                secret = WebhookSigner.NewSecret(),
            }
        );
        var (keyId, apiKey) = await OlderHub.WorkspaceWithKeyAsync(connection, workspaceId, "before the upgrade");
        await OlderHub.ExecuteAsync(
            connection,
            """
            insert into channels (id, workspace_id, type, name, brand, settings, secrets)
            values ($1, $2, 'whatsapp', 'KSA line', 'Namshi', '{"phoneNumberId": "106540352242922"}', $3)
            """,
            channelId,
            workspaceId,
            new NpgsqlParameter
            {
                Value = JsonSerializer.Serialize(new { appSecret = AppSecret, verifyToken = "upgrade-verify-token" }),
                NpgsqlDbType = NpgsqlDbType.Jsonb,
            }
        );
        await OlderHub.ExecuteAsync(
            connection,
            "insert into subscriptions (id, workspace_id, url, event_types, filters, enabled, secret) values "
                + "($1, $2, $3, '{*}', '{}', true, $4)",
            subscriptionId,
            workspaceId,
            webhookUrl,
            signingSecret
        );
        await OlderHub.ExecuteAsync(
            connection,
            """
            insert into idempotency_keys (workspace_id, api_key_id, key, request_hash, status, body, location)
            values ($1, $2, 'created-before-the-upgrade', $3, 201, $4, '/v1/subscriptions/elsewhere')
            """,
            workspaceId,
            keyId.ToString(),
            IdempotentPostFilter.Fingerprint(
                "POST",
                "/v1/subscriptions",
                [new CreateSubscriptionRequest(idempotentUrl, null, null, null, null)]
            ),
            answer
        );
        return new OlderHubRows(
            apiKey,
            channelId,
            subscriptionId,
            signingSecret,
            "created-before-the-upgrade",
            idempotentUrl,
            answer
        );
    }
}
