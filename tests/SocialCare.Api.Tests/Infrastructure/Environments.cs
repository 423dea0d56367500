using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Infrastructure;

/// <summary>
/// Development (what <c>./infra/dev.sh run</c> starts) lets a laptop receive webhooks and point channels at a local
/// fake platform, and serves Swagger; Production, the default anywhere else, does neither unless configured.
/// </summary>
public sealed class Environments
{
    [TestCase("Development", HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.OK)]
    [TestCase(
        "Production",
        HttpStatusCode.UnprocessableEntity,
        HttpStatusCode.UnprocessableEntity,
        HttpStatusCode.NotFound
    )]
    public async Task Local_targets_and_swagger_follow_the_environment(
        string environment,
        HttpStatusCode webhook,
        HttpStatusCode channel,
        HttpStatusCode swagger
    )
    {
        // Without the test defaults' OpenApi:Serve, as a hub started with only its appsettings files would run.
        await using var factory = new HubFactory(new Dictionary<string, string?> { ["OpenApi:Serve"] = null });
        await using var hub = factory.WithWebHostBuilder(b => b.UseEnvironment(environment));
        using (var probe = hub.CreateClient())
        {
            await Eventually.Until(
                async () => (await probe.GetAsync("/health/ready")).StatusCode,
                s => s == HttpStatusCode.OK,
                TimeSpan.FromSeconds(60),
                "ready"
            );
        }

        using var admin = hub.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new("Bearer", HubFactory.AdminKey);
        var workspace = (
            await HubApi.ReadJson(
                await admin.PostAsJsonAsync("/v1/workspaces", new { name = environment }),
                HttpStatusCode.Created
            )
        )["id"]!;
        var key = (
            await HubApi.ReadJson(
                await admin.PostAsJsonAsync(
                    $"/v1/workspaces/{workspace}/api-keys",
                    new { name = "dev", scopes = new[] { "subscriptions:manage", "channels:manage" } }
                ),
                HttpStatusCode.Created
            )
        )["key"]!.GetValue<string>();
        using var client = hub.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);

        var subscribed = await client.PostAsJsonAsync(
            "/v1/subscriptions",
            new { url = "http://127.0.0.1:5080/webhooks/socialcare" }
        );
        var connected = await client.PostAsJsonAsync(
            "/v1/channels",
            new
            {
                type = "whatsapp",
                name = "local",
                brand = "Namshi",
                settings = new
                {
                    phoneNumberId = "1",
                    accessToken = "t",
                    graphApiBaseUrl = "http://127.0.0.1:9090/v25.0",
                },
            }
        );
        var docs = await client.GetAsync("/swagger/v1/swagger.json");
        Assert.Multiple(async () =>
        {
            Assert.That(subscribed.StatusCode, Is.EqualTo(webhook), await subscribed.Content.ReadAsStringAsync());
            Assert.That(connected.StatusCode, Is.EqualTo(channel), await connected.Content.ReadAsStringAsync());
            Assert.That(docs.StatusCode, Is.EqualTo(swagger));
        });
    }
}
