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
                    await client.PostAsJsonAsync(
                        "/v1/engagements/batch",
                        new { engagements = new[] { HubApi.Engagement(channel, "batched", "971500000404") } }
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

    /// <summary>
    /// A request that loses a race inside PostgreSQL (a deadlock, here raised by a trigger with its SQLSTATE) answers 409
    /// — the database is there, nothing took effect, retry — and is not taken for an outage: no 503, and the pool's
    /// connections stay open.
    /// </summary>
    [Test]
    public async Task A_deadlock_answers_409_and_leaves_the_pool_alone()
    {
        await TestEnvironment.WithDatabaseAsync(
            "pg-lost-race",
            async database =>
            {
                await using var hub = await new HubFactory(
                    new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = database }
                ).StartAsync();
                var (_, client) = await hub.CreateTenantAsync("lost race");
                using var _ = client;
                var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
                await client.IngestAsync(HubApi.Engagement(channel, "warm", "971500000411"));
                await using var sql = new NpgsqlConnection(database);
                await sql.OpenAsync();
                await Execute(
                    sql,
                    """
                    create function lose_race() returns trigger language plpgsql as
                        $$ begin raise exception 'injected deadlock' using errcode = '40P01'; end $$;
                    create trigger lose_race before insert on engagements for each row execute function lose_race();
                    """
                );
                var open = await BackendsAsync(sql);

                var answer = await client.PostAsJsonAsync(
                    "/v1/engagements",
                    HubApi.Engagement(channel, "raced", "971500000412", "سباق 🏁")
                );
                var problem = await HubApi.ReadProblem(answer, HttpStatusCode.Conflict, "conflict");
                var still = await BackendsAsync(sql);
                Assert.Multiple(() =>
                {
                    Assert.That(answer.Headers.RetryAfter, Is.Null);
                    Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("Retry"));
                    Assert.That(open, Has.Count.GreaterThanOrEqualTo(3));
                    // Clearing the pool closes every idle connection; one connection of the hub's own closing meanwhile
                    // (a short-lived one it opened outside the pool) is not that.
                    Assert.That(
                        open.Except(still).Count(),
                        Is.LessThanOrEqualTo(1),
                        "the pool's connections were not closed"
                    );
                });

                await Execute(sql, "drop trigger lose_race on engagements; drop function lose_race();");
                await client.IngestAsync(
                    HubApi.Engagement(channel, "raced", "971500000412", "سباق 🏁"),
                    HttpStatusCode.Accepted
                );
            }
        );
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The server processes of the hub's connections to this database.</summary>
    private static async Task<List<int>> BackendsAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand(
            "select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
            connection
        );
        var pids = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            pids.Add(reader.GetInt32(0));
        }

        return pids;
    }
}
