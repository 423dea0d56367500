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
                await using var setUp = await OutageHub.StartAsync(database);
                var (workspaceId, client, proxy, receiver, bus) = setUp;
                var channel = setUp.Channel;
                using var anonymous = setUp.Hub.CreateClient();

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
                await setUp.UntilRelayWaitedAsync(Outage);
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

    /// <summary>
    /// A broker that stays connected but holds its confirms back (flow control, a backlog being written) is waited for:
    /// the relay does not give up after <c>Relay:PublishTimeout</c> and publish its window again, which under a real
    /// backlog multiplied the load and the duplicates (22 % of the chaos run's messages before this).
    /// </summary>
    [Test]
    public async Task A_broker_slow_to_confirm_is_waited_for_and_gets_each_event_once()
    {
        await TestEnvironment.WithDatabaseAsync(
            "broker-slow",
            async database =>
            {
                await using var setUp = await OutageHub.StartAsync(database);
                var (workspaceId, client, proxy, receiver, bus) = setUp;
                var channel = setUp.Channel;

                proxy.Stall();
                for (var i = 0; i < 5; i++)
                {
                    await client.IngestAsync(HubApi.Engagement(channel, $"slow-{i}", $"97150000052{i}", "⏳ بطيء"));
                }

                // The broker has what the relay handed it (the tap sees it) but its confirms do not reach the hub for
                // three publish timeouts, as the hub itself reports.
                await bus.WaitForAsync(workspaceId, 2);
                await setUp.UntilRelayWaitedAsync(TimeSpan.FromSeconds(6));
                proxy.Resume();
                await receiver.WaitForAsync(_ => true, 6);
                await setUp.UntilRelayWaitedAsync(TimeSpan.Zero);
                var ids = bus.Messages(workspaceId).Select(m => m["eventId"]!.GetValue<Guid>()).ToList();
                Assert.Multiple(() =>
                {
                    Assert.That(ids, Has.Count.EqualTo(6), "each event published once, none again");
                    Assert.That(ids, Is.Unique);
                    Assert.That(
                        receiver.All.Select(r => r.Headers["webhook-id"]).Distinct().Count(),
                        Is.EqualTo(6),
                        "every engagement delivered"
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

    /// <summary>A hub whose broker connection goes through a <see cref="TcpProxy"/>, with a tenant, a channel, a webhook
    /// receiver subscribed to <c>engagement.received</c> and a tap on the topic exchange for the tenant's events; one
    /// engagement has gone all the way through before the test takes the broker away.</summary>
    private sealed record OutageHub(
        HubFactory Hub,
        Guid WorkspaceId,
        HttpClient Client,
        Guid Channel,
        TcpProxy Proxy,
        WebhookReceiver Receiver,
        RabbitTap Bus,
        QueueCleanup Cleanup
    ) : IAsyncDisposable
    {
        public static async Task<OutageHub> StartAsync(string database)
        {
            var proxy = TcpProxy.To(TestEnvironment.RabbitHost, TestEnvironment.RabbitPort);
            // A durable fan-out queue: a temporary one would vanish with the connection, with what it held.
            var fanOut = $"socialcare-webhooks-test-{Guid.NewGuid():N}";
            var hub = await new HubFactory(
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
            var receiver = await WebhookReceiver.StartAsync();
            await HubApi.ReadJson(
                await client.PostAsJsonAsync(
                    "/v1/subscriptions",
                    new { url = receiver.Url(), eventTypes = new[] { "engagement.received" } }
                ),
                HttpStatusCode.Created
            );
            var bus = await RabbitTap.BindTopicAsync($"{workspaceId}.*.engagement.received");
            var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
            await client.IngestAsync(HubApi.Engagement(channel, "before", "971500000501"));
            await receiver.WaitForAsync(_ => true, 1);
            return new OutageHub(hub, workspaceId, client, channel, proxy, receiver, bus, new QueueCleanup(fanOut));
        }

        public void Deconstruct(
            out Guid workspaceId,
            out HttpClient client,
            out TcpProxy proxy,
            out WebhookReceiver receiver,
            out RabbitTap bus
        ) => (workspaceId, client, proxy, receiver, bus) = (WorkspaceId, Client, Proxy, Receiver, Bus);

        /// <summary>Waits until the hub's relay reports its oldest unpublished event waiting at least
        /// <paramref name="wait"/> (or, for zero, nothing waiting).</summary>
        public async Task UntilRelayWaitedAsync(TimeSpan wait)
        {
            using var admin = Hub.AdminClient();
            await Eventually.Until(
                async () => RelayWait(await HubApi.ReadJson(await admin.GetAsync("/health/ready"), HttpStatusCode.OK)),
                waited => wait == TimeSpan.Zero ? waited == TimeSpan.Zero : waited >= wait,
                wait + TimeSpan.FromMinutes(1),
                wait == TimeSpan.Zero
                    ? "the relay to report nothing waiting"
                    : $"the relay to report events waiting {wait.TotalSeconds} s for the broker"
            );
        }

        public async ValueTask DisposeAsync()
        {
            await Bus.DisposeAsync();
            await Receiver.DisposeAsync();
            Client.Dispose();
            await Hub.DisposeAsync();
            await Proxy.DisposeAsync();
            await Cleanup.DisposeAsync();
        }
    }

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
