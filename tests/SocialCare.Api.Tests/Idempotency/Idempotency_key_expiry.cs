using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Idempotency;

public sealed class Idempotency_key_expiry : HubFixture
{
    protected override IReadOnlyDictionary<string, string?>? Settings =>
        new Dictionary<string, string?>
        {
            ["Idempotency:KeyTtl"] = "00:00:01",
            ["Idempotency:CleanupInterval"] = "00:00:00.100",
        };

    private static Task<HttpResponseMessage> CreateAsync(HttpClient client)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/channels")
        {
            Content = JsonContent.Create(
                new
                {
                    type = "sms",
                    name = "gateway",
                    brand = "Namshi",
                }
            ),
        };
        request.Headers.Add("Idempotency-Key", "monthly-gateway");
        return client.SendAsync(request);
    }

    [Test]
    public async Task A_key_expires_after_its_ttl_is_swept_away_and_then_runs_the_request_again()
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync("expiring keys");
        await HubApi.ReadJson(await CreateAsync(client), HttpStatusCode.Created);
        await Eventually.Until(
            () => Database.CountAsync("idempotency_keys", workspaceId),
            n => n == 0,
            TimeSpan.FromSeconds(15),
            "the expired key to be swept"
        );

        using var later = await CreateAsync(client);
        await HubApi.ReadJson(later, HttpStatusCode.Created);
        var channels = await HubApi.ReadJson(await client.GetAsync("/v1/channels"), HttpStatusCode.OK);
        Assert.Multiple(() =>
        {
            Assert.That(later.Headers.Contains("Idempotent-Replayed"), Is.False);
            Assert.That(channels["items"]!.AsArray(), Has.Count.EqualTo(2), "the expired key no longer replays");
        });
    }
}
