using System.Diagnostics;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.EventLog.Changefeed;

/// <summary>A stream ends after its lifetime, and the client resumes exactly where it was with Last-Event-ID.</summary>
public sealed class Event_stream_lifetime : HubFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Events:Heartbeat"] = "00:00:01",
            ["Events:MaxStreamLifetime"] = "00:00:02",
        };

    [Test]
    public async Task A_stream_ends_after_its_lifetime_and_resumes_after_the_last_event_id()
    {
        var (_, client) = await Hub.CreateTenantAsync("lifetime");
        using (client)
        {
            var channel = await client.CreateChannelAsync("app-chat", "Careem");
            await client.IngestAsync(HubApi.Engagement(channel, "c1", "rider-1"));
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var opened = Stopwatch.StartNew();
            var (stream, _) = await EventStreamClient.OpenAsync(client);
            List<(long Sequence, string Type, System.Text.Json.Nodes.JsonNode Item)> seen;
            using (stream)
            {
                seen = await stream!.ReadEventsAsync(3, patience.Token);
                await stream.ReadToEndAsync(patience.Token);
            }

            var lasted = opened.Elapsed;
            await client.IngestAsync(HubApi.Engagement(channel, "c2", "rider-1"));
            var (resumed, _) = await EventStreamClient.OpenAsync(client, seen[^1].Sequence);
            using (resumed)
            {
                var next = await resumed!.ReadEventsAsync(1, patience.Token);
                Assert.Multiple(() =>
                {
                    Assert.That(
                        lasted,
                        Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1.8)).And.LessThan(TimeSpan.FromSeconds(10)),
                        "the stream ended after 90–100 % of its 2-s lifetime"
                    );
                    Assert.That(next.Single().Type, Is.EqualTo("engagement.received"));
                    Assert.That(
                        next.Single().Item["data"]!["platformMessageId"]!.GetValue<string>(),
                        Is.EqualTo("c2"),
                        "nothing missed, nothing repeated"
                    );
                });
            }
        }
    }
}
