using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Foundation;

/// <summary>API keys and channel accounts are cached by every instance; a change made through one is seen by all.</summary>
public sealed class Cache_invalidation
{
    [Test]
    public async Task A_key_revoked_on_one_instance_stops_working_on_another()
    {
        await TestEnvironment.WithDatabaseAsync("revoke-everywhere", async database =>
        {
            var settings = new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = database };
            await using var first = await new HubFactory(settings).StartAsync();
            await using var second = await new HubFactory(settings).StartAsync();
            var workspaceId = await first.CreateWorkspaceAsync("revoke");
            var (keyId, key) = await first.CreateKeyAsync(workspaceId, "crm-app", ["conversations:read"]);
            using var onSecond = second.ClientWithKey(key);
            Assert.That((await onSecond.GetAsync("/v1/me")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "the second instance now holds the key in its cache");

            using var admin = first.AdminClient();
            Assert.That((await admin.DeleteAsync($"/v1/workspaces/{workspaceId}/api-keys/{keyId}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

            await Eventually.Until(async () => (await onSecond.GetAsync("/v1/me")).StatusCode, s => s == HttpStatusCode.Unauthorized,
                TimeSpan.FromSeconds(5), "the revocation to reach the other instance");
        });
    }

    [Test]
    public async Task A_channel_deleted_on_one_instance_takes_no_more_engagements_on_another()
    {
        await TestEnvironment.WithDatabaseAsync("channel-everywhere", async database =>
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

                Assert.That((await firstClient.DeleteAsync($"/v1/channels/{channel}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

                var n = 1;
                await Eventually.Until(
                    async () => (await onSecond.PostAsJsonAsync("/v1/engagements", HubApi.Engagement(channel, $"sms-after-{n++}", "+971500000001"))).StatusCode,
                    s => s == HttpStatusCode.UnprocessableEntity, TimeSpan.FromSeconds(5), "the deletion to reach the other instance");
            }
        });
    }
}
