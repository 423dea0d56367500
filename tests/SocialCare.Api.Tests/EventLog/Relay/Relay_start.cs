using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.EventLog.Relay;

/// <summary>
/// A hub that starts with events waiting in the log publishes them only once its own queues are bound: nothing it
/// publishes before then would reach its webhook fan-out.
/// </summary>
public sealed class Relay_start
{
    [Test]
    public async Task A_backlog_waiting_at_start_up_reaches_the_new_hubs_webhook_fan_out_in_full()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await TestEnvironment.WithDatabaseAsync(
            "relay_start",
            async database =>
            {
                var settings = new Dictionary<string, string?>
                {
                    ["ConnectionStrings:Postgres"] = database,
                    ["Webhooks:AllowPrivateTargets"] = "true",
                };
                await using (
                    var writer = await new HubFactory(
                        new Dictionary<string, string?>(settings) { ["Relay:Enabled"] = "false" }
                    ).StartAsync()
                )
                {
                    var (_, client) = await writer.CreateTenantAsync("backlog");
                    using (client)
                    {
                        await HubApi.ReadJson(
                            await client.PostAsJsonAsync(
                                "/v1/subscriptions",
                                new { url = receiver.Url("/backlog"), eventTypes = new[] { "engagement.received" } }
                            ),
                            HttpStatusCode.Created
                        );
                        var channel = await client.CreateChannelAsync("sms", "du");
                        for (var i = 0; i < 20; i++)
                        {
                            await client.IngestAsync(HubApi.Engagement(channel, $"backlog-{i}", $"+9715000{i:D5}"));
                        }
                    }
                }

                // A new hub: its fan-out queue is declared as it starts, while the backlog is already there to publish.
                await using var relaying = new HubFactory(settings);
                _ = relaying.Server;
                var delivered = await receiver.WaitForAsync(r => r.Path == "/backlog", 20);
                Assert.That(delivered.Select(r => r.Headers["webhook-id"]).Distinct().Count(), Is.EqualTo(20));
            }
        );
    }
}
