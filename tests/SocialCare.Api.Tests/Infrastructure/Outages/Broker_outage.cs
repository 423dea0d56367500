using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Infrastructure.Outages;

/// <summary>
/// RabbitMQ going away under a hub for longer than MassTransit's first reconnection attempts (issue 21, point 5): the
/// API keeps accepting (the log is the outbox), readiness says the broker is down, and within seconds of its return the
/// relay publishes what waited and the fan-out delivers it — every event, none lost. The broker is taken from this hub
/// alone, through a <see cref="TcpProxy"/>.
/// </summary>
public sealed class Broker_outage
{
    /// <summary>Long enough for MassTransit's reconnection schedule to reach intervals longer than the recovery
    /// promised.</summary>
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Within_seconds_of_RabbitMQ_coming_back_the_hub_publishes_and_delivers_what_it_accepted_meanwhile()
    {
        await TestEnvironment.WithDatabaseAsync(
            "broker-outage",
            async database =>
            {
                await using var proxy = TcpProxy.To(TestEnvironment.RabbitHost, TestEnvironment.RabbitPort);
                // A durable fan-out queue: a temporary one would vanish with the connection, with what it held.
                var fanOut = $"socialcare-webhooks-test-{Guid.NewGuid():N}";
                await using var cleanup = new QueueCleanup(fanOut);
                await using var hub = await new HubFactory(
                    new Dictionary<string, string?>
                    {
                        ["ConnectionStrings:Postgres"] = database,
                        ["RabbitMq:Host"] = "127.0.0.1",
                        ["RabbitMq:Port"] = proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["Webhooks:FanOutQueue"] = fanOut,
                        ["Webhooks:FanOutQueueTemporary"] = "false",
                        ["Webhooks:AllowPrivateTargets"] = "true",
                    }
                ).StartAsync();
                var (workspaceId, client) = await hub.CreateTenantAsync("broker outage");
                using var _ = client;
                using var anonymous = hub.CreateClient();
                await using var receiver = await WebhookReceiver.StartAsync();
                await HubApi.ReadJson(
                    await client.PostAsJsonAsync(
                        "/v1/subscriptions",
                        new { url = receiver.Url(), eventTypes = new[] { "engagement.received" } }
                    ),
                    HttpStatusCode.Created
                );
                await using var bus = await RabbitTap.BindTopicAsync($"{workspaceId}.*.engagement.received");
                var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
                await client.IngestAsync(HubApi.Engagement(channel, "before", "971500000501"));
                await receiver.WaitForAsync(_ => true, 1);

                proxy.Cut();
                // Degraded, still ready: the API works without the broker (the log is the outbox).
                var ready = await Eventually.Until(
                    async () =>
                    {
                        var response = await anonymous.GetAsync("/health/ready");
                        return (response.StatusCode, Body: await HubApi.ReadJson(response, response.StatusCode));
                    },
                    r => r.Body["checks"]!["rabbitmq"]!["status"]!.GetValue<string>() != "Healthy",
                    what: "readiness to report the broker's trouble"
                );
                Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                for (var i = 0; i < 5; i++)
                {
                    await client.IngestAsync(
                        HubApi.Engagement(channel, $"during-{i}", $"97150000051{i}", "🚚 في الطريق")
                    );
                }

                // The outage lasts until the events accepted meanwhile have waited that long for the broker, as the hub
                // itself reports its relay lag.
                using var admin = hub.AdminClient();
                await Eventually.Until(
                    async () =>
                        RelayWait(await HubApi.ReadJson(await admin.GetAsync("/health/ready"), HttpStatusCode.OK)),
                    waited => waited >= Outage,
                    Outage + TimeSpan.FromMinutes(1),
                    $"the relay to report events waiting {Outage.TotalSeconds} s for the broker"
                );
                Assert.That(bus.Messages(workspaceId), Has.Count.EqualTo(1), "nothing published while it was away");
                proxy.Restore();
                var back = Stopwatch.StartNew();
                await bus.WaitForAsync(workspaceId, 6);
                var published = back.Elapsed;
                await receiver.WaitForAsync(_ => true, 6);
                var delivered = back.Elapsed;
                TestContext.Out.WriteLine(
                    $"after {Outage.TotalSeconds} s away: published in {published.TotalSeconds:0.0} s, delivered in "
                        + $"{delivered.TotalSeconds:0.0} s"
                );
                Assert.Multiple(() =>
                {
                    Assert.That(published, Is.LessThan(TimeSpan.FromSeconds(5)), "publishing resumes within 5 s");
                    Assert.That(delivered, Is.LessThan(TimeSpan.FromSeconds(10)), "and the fan-out with it");
                    Assert.That(
                        receiver.All.Select(r => r.Headers["webhook-id"]).Distinct().Count(),
                        Is.EqualTo(6),
                        "every engagement, once"
                    );
                });
            }
        );
    }

    /// <summary>How long the oldest event has waited for the broker, from the relay's readiness entry ("… the oldest
    /// for 12.3 s.").</summary>
    private static TimeSpan RelayWait(System.Text.Json.Nodes.JsonNode ready) =>
        System.Text.RegularExpressions.Regex.Match(
            ready["checks"]!["relay"]!["description"]!.GetValue<string>(),
            @"the oldest for ([0-9.]+) s"
        )
            is { Success: true } match
            ? TimeSpan.FromSeconds(
                double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            )
            : TimeSpan.Zero;

    /// <summary>Deletes the test's durable queue (and the exchange MassTransit made for it) afterwards.</summary>
    private sealed class QueueCleanup(string queue) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            var factory = new RabbitMQ.Client.ConnectionFactory
            {
                HostName = TestEnvironment.RabbitHost,
                Port = TestEnvironment.RabbitPort,
                VirtualHost = TestEnvironment.RabbitVirtualHost,
            };
            await using var connection = await factory.CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
            await channel.ExchangeDeleteAsync(queue);
        }
    }
}
