using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Authorization;

/// <summary>What an outsider can do to the hub without a key: guess keys, flood platform hooks — each up to a limit per
/// address.</summary>
public sealed class Abuse_limits : HubFixture
{
    private const string ClientHeader = "X-Test-Client-Address";

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["RateLimiting:AuthFailuresPerAddressPerMinute"] = "3",
            ["RateLimiting:HooksPerAddressPerSecond"] = "2",
        };

    /// <summary>The in-memory test server has no client address: a test names one in a header.</summary>
    private sealed class ClientAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) =>
            app =>
            {
                app.Use(
                    (context, following) =>
                    {
                        if (IPAddress.TryParse(context.Request.Headers[ClientHeader], out var address))
                        {
                            context.Connection.RemoteIpAddress = address;
                        }

                        return following(context);
                    }
                );
                next(app);
            };
    }

    private WebApplicationFactory<Program> _addressed = null!;

    [OneTimeSetUp]
    public void Address() =>
        _addressed = Hub.WithWebHostBuilder(b =>
            b.ConfigureServices(s => s.AddTransient<IStartupFilter, ClientAddressFromHeader>())
        );

    [OneTimeTearDown]
    public async Task DisposeAddressed() => await _addressed.DisposeAsync();

    private HttpClient From(string address, string? key = null)
    {
        var client = _addressed.CreateClient();
        client.DefaultRequestHeaders.Add(ClientHeader, address);
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
                "Bearer",
                key
            );
        }

        return client;
    }

    [Test]
    public async Task An_address_that_keeps_failing_to_authenticate_is_refused_without_a_key_lookup_and_others_are_not()
    {
        var workspace = await Hub.CreateWorkspaceAsync("guessing");
        var (_, valid) = await Hub.CreateKeyAsync(workspace, "real app", ["conversations:read"]);
        using var guesser = From("203.0.113.66");
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            answers.Add(
                (
                    await guesser.SendAsync(
                        new HttpRequestMessage(HttpMethod.Get, "/v1/conversations")
                        {
                            Headers = { Authorization = new("Bearer", $"sch_guess{i:D36}") },
                        }
                    )
                ).StatusCode
            );
        }

        using var guesserWithRealKey = From("203.0.113.66", valid);
        var refused = await guesserWithRealKey.GetAsync("/v1/conversations");
        using var neighbour = From("198.51.100.7", valid);
        var served = await neighbour.GetAsync("/v1/conversations");
        var problem = await HubApi.ReadProblem(refused, HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.Multiple(() =>
        {
            Assert.That(
                answers,
                Is.EqualTo(
                    new[]
                    {
                        HttpStatusCode.Unauthorized,
                        HttpStatusCode.Unauthorized,
                        HttpStatusCode.Unauthorized,
                        HttpStatusCode.TooManyRequests,
                    }
                )
            );
            Assert.That(refused.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(60)));
            Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("failed authentications"));
            Assert.That(served.StatusCode, Is.EqualTo(HttpStatusCode.OK), "another address is not held up");
        });
    }

    [Test]
    public async Task Platform_hooks_are_limited_per_client_address()
    {
        var (_, client) = await Hub.CreateTenantAsync("hook flood", "channels:manage");
        using (client)
        {
            var channel = await client.CreateChannelAsync(
                "whatsapp",
                "Namshi",
                new
                {
                    phoneNumberId = "1",
                    appSecret = "s",
                    verifyToken = "v",
                }
            );
            using var flooder = From("203.0.113.99");
            var answers = new List<HttpStatusCode>();
            for (var i = 0; i < 6; i++)
            {
                answers.Add((await flooder.PostAsync($"/v1/hooks/whatsapp/{channel}", HubApi.Json("{}"))).StatusCode);
            }

            using var platform = From("198.51.100.8");
            var other = await platform.PostAsync($"/v1/hooks/whatsapp/{channel}", HubApi.Json("{}"));
            Assert.Multiple(() =>
            {
                Assert.That(
                    answers.Take(4),
                    Is.All.EqualTo(HttpStatusCode.Unauthorized),
                    "a burst of twice the rate passes (unsigned, so 401)"
                );
                Assert.That(answers.Skip(4), Has.Some.EqualTo(HttpStatusCode.TooManyRequests));
                Assert.That(
                    other.StatusCode,
                    Is.EqualTo(HttpStatusCode.Unauthorized),
                    "another address is not held up"
                );
            });
        }
    }
}
