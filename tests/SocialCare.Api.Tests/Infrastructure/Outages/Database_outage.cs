using System.Net;
using System.Net.Http.Json;
using Npgsql;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Infrastructure.Outages;

/// <summary>
/// PostgreSQL going away under a hub (issue 21, point 5): every request answers 503 with <c>Retry-After</c> — never a
/// 500 — and once the database is back the hub serves again, with everything it accepted kept. The database is taken
/// from this hub alone, through a <see cref="TcpProxy"/> that resets its connections as a restart does.
/// </summary>
public sealed class Database_outage
{
    [Test]
    public async Task While_PostgreSQL_is_away_requests_answer_503_with_Retry_After_and_the_hub_recovers_with_nothing_lost()
    {
        await TestEnvironment.WithDatabaseAsync(
            "pg-outage",
            async database =>
            {
                var direct = new NpgsqlConnectionStringBuilder(database);
                await using var proxy = TcpProxy.To(direct.Host!, direct.Port);
                var throughProxy = new NpgsqlConnectionStringBuilder(database)
                {
                    Host = "127.0.0.1",
                    Port = proxy.Port,
                }.ConnectionString;
                await using var hub = await new HubFactory(
                    new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = throughProxy }
                ).StartAsync();
                var (_, client) = await hub.CreateTenantAsync("pg outage");
                using var _ = client;
                using var anonymous = hub.CreateClient();
                var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
                var accepted = new List<Guid>
                {
                    (await client.IngestAsync(HubApi.Engagement(channel, "before", "971500000401")))[
                        "conversationId"
                    ]!.GetValue<Guid>(),
                };

                proxy.Cut();
                var answers = new List<HttpResponseMessage>
                {
                    await client.PostAsJsonAsync(
                        "/v1/engagements",
                        HubApi.Engagement(channel, "during", "971500000402", "مرحبا 👋")
                    ),
                    await client.GetAsync("/v1/conversations"),
                    await client.GetAsync($"/v1/conversations/{accepted[0]}"),
                    await client.GetAsync("/v1/events"),
                    await client.GetAsync("/v1/subscriptions"),
                };
                var ready = await anonymous.GetAsync("/health/ready");
                Assert.Multiple(async () =>
                {
                    foreach (var answer in answers)
                    {
                        var problem = await HubApi.ReadProblem(
                            answer,
                            HttpStatusCode.ServiceUnavailable,
                            "service-unavailable"
                        );
                        Assert.That(answer.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(2)));
                        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("Idempotency-Key"));
                    }

                    Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
                });

                proxy.Restore();
                var after = await Eventually.Until(
                    () =>
                        client.PostAsJsonAsync("/v1/engagements", HubApi.Engagement(channel, "after", "971500000403")),
                    r => r.StatusCode != HttpStatusCode.ServiceUnavailable,
                    what: "the hub to serve again"
                );
                accepted.Add(
                    (await HubApi.ReadJson(after, HttpStatusCode.Accepted))["conversationId"]!.GetValue<Guid>()
                );
                // The engagement refused during the outage is taken when its sender retries it.
                accepted.Add(
                    (
                        await client.IngestAsync(
                            HubApi.Engagement(channel, "during", "971500000402", "مرحبا 👋"),
                            HttpStatusCode.Accepted
                        )
                    )["conversationId"]!.GetValue<Guid>()
                );
                foreach (var conversation in accepted)
                {
                    await HubApi.ReadJson(
                        await client.GetAsync($"/v1/conversations/{conversation}"),
                        HttpStatusCode.OK
                    );
                }

                await client.WaitForEventsAsync(9);
            }
        );
    }
}
