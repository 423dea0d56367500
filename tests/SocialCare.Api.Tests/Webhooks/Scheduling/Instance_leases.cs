using System.Net;
using System.Net.Http.Json;
using Npgsql;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Webhooks.Scheduling;

/// <summary>
/// A hub instance that dies holding a delivery's lease: the others see its heartbeat stop and release the delivery
/// within seconds, instead of leaving it to its lease (here an hour).
/// </summary>
public sealed class Instance_leases
{
    [Test]
    public async Task A_delivery_leased_by_an_instance_that_stopped_beating_is_released_and_sent()
    {
        await TestEnvironment.WithDatabaseAsync(
            "instance-leases",
            async database =>
            {
                // The first attempt at once; the next an hour later, so that only the release can bring it sooner.
                await using var hub = await new HubFactory(
                    new Dictionary<string, string?>
                    {
                        ["ConnectionStrings:Postgres"] = database,
                        ["Webhooks:AllowPrivateTargets"] = "true",
                        ["Webhooks:RetrySchedule:0"] = "00:00:00",
                        ["Webhooks:RetrySchedule:1"] = "01:00:00",
                    }
                ).StartAsync();
                await using var receiver = await WebhookReceiver.StartAsync();
                receiver.Respond = (_, seenBefore) => seenBefore < 1 ? 500 : 200;
                var (_, client) = await hub.CreateTenantAsync("leases");
                using var _ = client;
                var subscription = (
                    await HubApi.ReadJson(
                        await client.PostAsJsonAsync(
                            "/v1/subscriptions",
                            new { url = receiver.Url(), eventTypes = new[] { "engagement.received" } }
                        ),
                        HttpStatusCode.Created
                    )
                )["id"]!.GetValue<Guid>();
                var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
                await client.IngestAsync(HubApi.Engagement(channel, "leased", "971500000601", "مؤجر 🔒"));
                await receiver.WaitForAsync(r => r.AnsweredWith == 500, 1);

                // The failed attempt is recorded (next in an hour); then an instance that died leases it for an hour.
                await using var sql = new NpgsqlConnection(database);
                await sql.OpenAsync();
                var dead = Guid.CreateVersion7();
                await Eventually.Until(
                    () =>
                        ExecuteAsync(
                            sql,
                            """
                            update webhook_deliveries set leased_by = $2, next_attempt_at = now() + interval '1 hour'
                            where subscription_id = $1 and status = 'pending' and attempts = 1
                            """,
                            subscription,
                            dead
                        ),
                    leased => leased == 1,
                    what: "the failed attempt to be recorded"
                );
                await ExecuteAsync(
                    sql,
                    "insert into hub_instances (id, host, heartbeat_at) values ($1, 'gone:1', now() - interval '1 minute')",
                    dead
                );

                var sent = await receiver.WaitForAsync(r => r.AnsweredWith == 200, 1, TimeSpan.FromSeconds(40));
                Assert.Multiple(async () =>
                {
                    Assert.That(sent, Has.Count.EqualTo(1));
                    Assert.That(
                        await ExecuteAsync(sql, "select 1 from hub_instances where id = $1", dead),
                        Is.EqualTo(0),
                        "the dead instance is forgotten"
                    );
                });
            }
        );
    }

    /// <summary>Runs <paramref name="text"/>; the rows it touched (or returned, for a select).</summary>
    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string text, params object[] values)
    {
        await using var command = new NpgsqlCommand(text, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        if (!text.StartsWith("select", StringComparison.Ordinal))
        {
            return await command.ExecuteNonQueryAsync();
        }

        await using var reader = await command.ExecuteReaderAsync();
        var rows = 0;
        while (await reader.ReadAsync())
        {
            rows++;
        }

        return rows;
    }
}
