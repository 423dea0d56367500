using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SocialCare.Api.Tests.Support;
using SocialCare.Api.Webhooks;

namespace SocialCare.Api.Tests.Infrastructure;

/// <summary>API keys, channel accounts and subscriptions are cached by every instance; a change made through one is
/// seen by all.</summary>
public sealed class Cache_invalidation
{
    [Test]
    public async Task A_key_revoked_on_one_instance_stops_working_on_another()
    {
        await TestEnvironment.WithDatabaseAsync(
            "revoke-everywhere",
            async database =>
            {
                var settings = new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = database };
                await using var first = await new HubFactory(settings).StartAsync();
                await using var second = await new HubFactory(settings).StartAsync();
                var workspaceId = await first.CreateWorkspaceAsync("revoke");
                var (keyId, key) = await first.CreateKeyAsync(workspaceId, "crm-app", ["conversations:read"]);
                using var onSecond = second.ClientWithKey(key);
                Assert.That(
                    (await onSecond.GetAsync("/v1/me")).StatusCode,
                    Is.EqualTo(HttpStatusCode.OK),
                    "the second instance now holds the key in its cache"
                );

                using var admin = first.AdminClient();
                Assert.That(
                    (await admin.DeleteAsync($"/v1/workspaces/{workspaceId}/api-keys/{keyId}")).StatusCode,
                    Is.EqualTo(HttpStatusCode.NoContent)
                );

                await Eventually.Until(
                    async () => (await onSecond.GetAsync("/v1/me")).StatusCode,
                    s => s == HttpStatusCode.Unauthorized,
                    TimeSpan.FromSeconds(5),
                    "the revocation to reach the other instance"
                );
            }
        );
    }

    [Test]
    public async Task A_channel_deleted_on_one_instance_takes_no_more_engagements_on_another()
    {
        await TestEnvironment.WithDatabaseAsync(
            "channel-everywhere",
            async database =>
            {
                var settings = new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = database };
                await using var first = await new HubFactory(settings).StartAsync();
                await using var second = await new HubFactory(settings).StartAsync();
                var (workspaceId, firstClient) = await first.CreateTenantAsync("channels");
                using (firstClient)
                {
                    var (_, key) = await second.CreateKeyAsync(workspaceId, "partner", ["engagements:write"]);
                    using var onSecond = second.ClientWithKey(key);
                    var channel = await firstClient.CreateChannelAsync("sms", "Namshi");
                    await onSecond.IngestAsync(HubApi.Engagement(channel, "sms-1", "+971500000001"));

                    Assert.That(
                        (await firstClient.DeleteAsync($"/v1/channels/{channel}")).StatusCode,
                        Is.EqualTo(HttpStatusCode.NoContent)
                    );

                    var n = 1;
                    await Eventually.Until(
                        async () =>
                            (
                                await onSecond.PostAsJsonAsync(
                                    "/v1/engagements",
                                    HubApi.Engagement(channel, $"sms-after-{n++}", "+971500000001")
                                )
                            ).StatusCode,
                        s => s == HttpStatusCode.UnprocessableEntity,
                        TimeSpan.FromSeconds(5),
                        "the deletion to reach the other instance"
                    );
                }
            }
        );
    }

    [Test]
    public async Task A_secret_rotated_on_one_instance_is_what_every_instance_signs_with_at_once()
    {
        await TestEnvironment.WithDatabaseAsync(
            "rotate-everywhere",
            async database =>
            {
                var settings = new Dictionary<string, string?>
                {
                    ["ConnectionStrings:Postgres"] = database,
                    ["Webhooks:AllowPrivateTargets"] = "true",
                };
                await using var first = await new HubFactory(settings).StartAsync();
                await using var second = await new HubFactory(settings).StartAsync();
                var (workspaceId, client) = await first.CreateTenantAsync("rotation");
                using (client)
                {
                    var created = await HubApi.ReadJson(
                        await client.PostAsJsonAsync("/v1/subscriptions", new { url = "http://127.0.0.1:9/hook" }),
                        HttpStatusCode.Created
                    );
                    var targets = new[] { first, second }
                        .Select(hub => hub.Services.GetRequiredService<SubscriptionTargets>())
                        .ToList();
                    foreach (var cached in targets)
                    {
                        Assert.That(
                            (await cached.ForWorkspaceAsync(workspaceId, CancellationToken.None)).Single().Secret,
                            Is.EqualTo(created["secret"]!.GetValue<string>()),
                            "each instance now holds the subscription in its cache"
                        );
                    }

                    var rotated = await HubApi.ReadJson(
                        await client.PostAsync($"/v1/subscriptions/{created["id"]}/rotate-secret", null),
                        HttpStatusCode.OK
                    );
                    var secret = rotated["secret"]!.GetValue<string>();
                    Assert.That(
                        (await targets[0].ForWorkspaceAsync(workspaceId, CancellationToken.None)).Single().Secret,
                        Is.EqualTo(secret),
                        "the rotating instance signs with the new secret from its very next delivery"
                    );
                    await Eventually.Until(
                        async () => (await targets[1].ForWorkspaceAsync(workspaceId, CancellationToken.None)).Single(),
                        t => t.Secret == secret && t.PreviousSecret == created["secret"]!.GetValue<string>(),
                        TimeSpan.FromSeconds(5),
                        "the rotation to reach the other instance"
                    );
                }
            }
        );
    }
}
