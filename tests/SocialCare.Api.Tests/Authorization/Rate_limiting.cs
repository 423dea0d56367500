using System.Net;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Authorization;

public sealed class Rate_limiting
{
    [Test]
    public async Task Key_over_its_limit_gets_429_with_retry_after_and_other_keys_are_untouched()
    {
        await using var hub = await new HubFactory(
            new Dictionary<string, string?> { ["RateLimiting:PermitsPerSecond"] = "1", ["RateLimiting:Burst"] = "3" }
        ).StartAsync();
        var workspaceId = await hub.CreateWorkspaceAsync("limited");
        var (_, busyKey) = await hub.CreateKeyAsync(workspaceId, "busy", ["events:read"]);
        var (_, quietKey) = await hub.CreateKeyAsync(workspaceId, "quiet", ["events:read"]);
        using var busy = hub.ClientWithKey(busyKey);
        using var quiet = hub.ClientWithKey(quietKey);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 10 && limited is null; i++)
        {
            var response = await busy.GetAsync("/v1/me");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
        }

        Assert.That(limited, Is.Not.Null, $"no 429 after {string.Join(",", statuses)}");
        await HubApi.ReadProblem(limited!, HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.That(
            int.Parse(
                limited!.Headers.GetValues("Retry-After").Single(),
                System.Globalization.CultureInfo.InvariantCulture
            ),
            Is.GreaterThanOrEqualTo(1)
        );
        Assert.That(
            statuses.Count(s => s == HttpStatusCode.OK),
            Is.InRange(3, 4),
            "the burst is served before the limit applies"
        );
        Assert.That((await quiet.GetAsync("/v1/me")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
