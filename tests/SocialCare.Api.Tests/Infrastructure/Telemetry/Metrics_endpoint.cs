using System.Net;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Infrastructure.Telemetry;

/// <summary>Who may scrape <c>/metrics</c> (issue 21, point 2): the admin key only, unless configured otherwise;
/// what a scrape shows is in <see cref="Operating_figures"/>.</summary>
public sealed class Metrics_endpoint : HubFixture
{
    [Test]
    public async Task Only_the_admin_key_may_scrape_by_default()
    {
        var (_, client) = await Hub.CreateTenantAsync("metrics access");
        using var _ = client;
        using var anonymous = Hub.CreateClient();
        Assert.Multiple(async () =>
        {
            Assert.That((await anonymous.GetAsync("/metrics")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That((await client.GetAsync("/metrics")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            using var admin = Hub.AdminClient();
            var scraped = await admin.GetAsync("/metrics");
            Assert.That(scraped.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(scraped.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain"));
        });
    }

    [TestCase("anonymous", HttpStatusCode.OK)]
    [TestCase("off", HttpStatusCode.NotFound)]
    public async Task The_scrape_can_be_opened_to_anyone_or_turned_off(string scrape, HttpStatusCode anonymous)
    {
        await using var hub = await new HubFactory(
            new Dictionary<string, string?> { ["Telemetry:Scrape"] = scrape }
        ).StartAsync();
        using var client = hub.CreateClient();
        Assert.That((await client.GetAsync("/metrics")).StatusCode, Is.EqualTo(anonymous));
    }

    [Test]
    public async Task A_scrape_setting_the_hub_does_not_know_stops_it_from_starting()
    {
        await using var hub = new HubFactory(new Dictionary<string, string?> { ["Telemetry:Scrape"] = "public" });
        var refused = Assert.CatchAsync(hub.StartAsync);
        Assert.That(refused!.ToString(), Does.Contain("Telemetry:Scrape must be one of admin, anonymous, off"));
    }
}
