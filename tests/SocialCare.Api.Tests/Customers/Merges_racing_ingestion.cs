using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SocialCare.Api.Engagements;
using SocialCare.Api.EventLog;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Customers;

/// <summary>Merges and ingestion take their locks in one order, so racing each other on the same customers they only
/// wait.</summary>
public sealed class Merges_racing_ingestion
{
    private const int Pairs = 24;
    private const int Rounds = 3;
    private static readonly string[] IdentityTypes = ["whatsapp", "instagram", "sms", "app-chat"];

    [Test]
    public async Task Merging_customers_while_their_messages_arrive_neither_deadlocks_nor_fails()
    {
        await TestEnvironment.WithDatabaseAsync(
            "mergerace",
            async database =>
            {
                var settings = new Dictionary<string, string?>
                {
                    ["ConnectionStrings:Postgres"] = database,
                    ["RateLimiting:PermitsPerSecond"] = "100000",
                    ["RateLimiting:Burst"] = "100000",
                };
                var hub = await new HubFactory(settings).StartAsync();
                try
                {
                    var (_, client) = await hub.CreateTenantAsync("merge race");
                    using (client)
                    {
                        await RaceAsync(client, database);
                    }
                }
                finally
                {
                    await hub.DisposeAsync();
                }

                // PostgreSQL counts deadlocks per database; a backend reports its count at the latest when it exits.
                await using var connection = new NpgsqlConnection(TestEnvironment.ServerConnectionString);
                await connection.OpenAsync();
                var name = new NpgsqlConnectionStringBuilder(database).Database!;
                NpgsqlConnection.ClearAllPools();
                await Eventually.Until(
                    () =>
                        ScalarAsync<long>(connection, "select count(*) from pg_stat_activity where datname = $1", name),
                    n => n == 0,
                    what: "the hub's connections to end"
                );
                Assert.That(
                    await ScalarAsync<long>(
                        connection,
                        "select deadlocks from pg_stat_database where datname = $1",
                        name
                    ),
                    Is.Zero,
                    "PostgreSQL detected no deadlock (40P01), not even one that a batch retry hid"
                );
            }
        );
    }

    [Test]
    public async Task A_merge_waits_for_an_ingestion_holding_an_identity_of_its_customers_without_taking_another_first()
    {
        await TestEnvironment.WithDatabaseAsync(
            "mergeorder",
            async database =>
            {
                await using var hub = await new HubFactory(
                    new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = database }
                ).StartAsync();
                var (workspaceId, client) = await hub.CreateTenantAsync("merge order");
                using (client)
                {
                    var whatsapp = await client.CreateChannelAsync("whatsapp", "Namshi");
                    var survivor = (await client.IngestAsync(HubApi.Engagement(whatsapp, "s-1", "survivor")))[
                        "customerId"
                    ]!.GetValue<Guid>();
                    // Its WhatsApp key hashes below the middle, so that an Instagram key hashing after it is sure
                    // to be among the candidates below (a key hashing near the top would leave none).
                    var mergedUser = await FirstAsync(
                        Enumerable.Range(0, 64).Select(i => $"merged-{i}"),
                        user =>
                            ScalarAsync<bool>(
                                database,
                                "select hashtextextended($1[1], 0) < 0",
                                new[] { CustomerLocks.Identity(workspaceId, "whatsapp", user) }
                            )
                    );
                    var merged = (await client.IngestAsync(HubApi.Engagement(whatsapp, "m-1", mergedUser)))[
                        "customerId"
                    ]!.GetValue<Guid>();

                    // The merged customer gets an Instagram identity whose key sorts after its WhatsApp one the way
                    // ingestion sorts (by hash) and before it as text: an order that differs by key kind would take
                    // them the other way round.
                    var byWhatsApp = CustomerLocks.Identity(workspaceId, "whatsapp", mergedUser);
                    var instagramUser = await FirstAsync(
                        Enumerable.Range(0, 64).Select(i => $"merged-ig-{i}"),
                        user =>
                            HashesBefore(database, byWhatsApp, CustomerLocks.Identity(workspaceId, "instagram", user))
                    );
                    var byInstagram = CustomerLocks.Identity(workspaceId, "instagram", instagramUser);
                    await HubApi.ReadJson(
                        await client.PostAsJsonAsync(
                            $"/v1/customers/{merged}/identities",
                            new { channelType = "instagram", platformUserId = instagramUser }
                        ),
                        HttpStatusCode.Created
                    );

                    // An ingestion batch holding the WhatsApp identity, about to take the Instagram one (as its one
                    // statement would, in hash order), while the merge starts.
                    var store = hub.Services.GetRequiredService<EventStore>();
                    var holding = new TaskCompletionSource();
                    var mergeWaits = new TaskCompletionSource();
                    var ingestion = store.WriteAsync(
                        async writer =>
                        {
                            writer.Lock([byWhatsApp]);
                            await writer.QueryAsync("select 1", r => r.GetInt32(0), CancellationToken.None);
                            holding.SetResult();
                            await mergeWaits.Task;
                            writer.Lock([byInstagram]);
                            return await writer.QueryAsync("select 1", r => r.GetInt32(0), CancellationToken.None);
                        },
                        CancellationToken.None
                    );
                    await holding.Task;
                    var merge = client.PostAsJsonAsync($"/v1/customers/{survivor}/merge", new { customerId = merged });
                    await Eventually.Until(
                        () =>
                            ScalarAsync<long>(
                                database,
                                """
                                select count(*) from pg_locks
                                where locktype = 'advisory' and not granted and database = (select oid from pg_database
                                    where datname = $1)
                                """,
                                new NpgsqlConnectionStringBuilder(database).Database!
                            ),
                        waiting => waiting > 0,
                        what: "the merge to wait for the ingestion's lock"
                    );
                    mergeWaits.SetResult();

                    Assert.DoesNotThrowAsync(
                        () => ingestion,
                        "the ingestion was not chosen as a deadlock victim (40P01)"
                    );
                    await HubApi.ReadJson(await merge, HttpStatusCode.OK);
                }
            }
        );
    }

    private static async Task<string> FirstAsync(IEnumerable<string> candidates, Func<string, Task<bool>> fits)
    {
        foreach (var candidate in candidates)
        {
            if (await fits(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("No candidate fits.");
    }

    private static async Task<bool> HashesBefore(string database, string first, string second) =>
        await ScalarAsync<bool>(
            database,
            "select hashtextextended($1[1], 0) < hashtextextended($1[2], 0)",
            new[] { first, second }
        );

    private static async Task RaceAsync(HttpClient client, string database)
    {
        var channels = new Dictionary<string, Guid>();
        foreach (var type in IdentityTypes)
        {
            channels[type] = await client.CreateChannelAsync(type, "Namshi");
        }

        // Each customer has an open conversation of the brand and an identity on every channel type.
        async Task<Guid> Customer(string name)
        {
            var id = (
                await client.IngestAsync(
                    HubApi.Engagement(channels[IdentityTypes[0]], $"{name}-first", $"{IdentityTypes[0]}-{name}")
                )
            )["customerId"]!.GetValue<Guid>();
            foreach (var type in IdentityTypes.Skip(1))
            {
                await HubApi.ReadJson(
                    await client.PostAsJsonAsync(
                        $"/v1/customers/{id}/identities",
                        new { channelType = type, platformUserId = $"{type}-{name}" }
                    ),
                    HttpStatusCode.Created
                );
            }

            return id;
        }

        var pairs = new List<(Guid Survivor, Guid Merged, string[] Names)>();
        for (var p = 0; p < Pairs; p++)
        {
            pairs.Add((await Customer($"s{p}"), await Customer($"m{p}"), [$"s{p}", $"m{p}"]));
        }

        // Every identity of both customers of every pair writes in every round; each merge starts at its own point
        // among them.
        var random = new Random(Pairs * Rounds);
        var requests = Enumerable
            .Range(0, Rounds)
            .SelectMany(round =>
                pairs
                    .SelectMany(pair => pair.Names)
                    .SelectMany(name => IdentityTypes.Select(type => (Merge: -1, Name: name, Round: round, Type: type)))
            )
            .Concat(Enumerable.Range(0, Pairs).Select(p => (Merge: p, Name: "", Round: 0, Type: "")))
            .OrderBy(_ => random.Next())
            .ToList();
        var sent = requests
            .Select(r =>
                r.Merge >= 0
                    ? client.PostAsJsonAsync(
                        $"/v1/customers/{pairs[r.Merge].Survivor}/merge",
                        new { customerId = pairs[r.Merge].Merged }
                    )
                    : client.PostAsJsonAsync(
                        "/v1/engagements",
                        HubApi.Engagement(channels[r.Type], $"{r.Name}-{r.Round}-{r.Type}", $"{r.Type}-{r.Name}")
                    )
            )
            .ToList();
        var answers = await Task.WhenAll(sent);
        var merged = answers.Where((_, i) => requests[i].Merge >= 0).Select(a => a.StatusCode).ToList();
        var ingested = answers.Where((_, i) => requests[i].Merge < 0).Select(a => a.StatusCode).ToList();
        var leftBehind = await ScalarAsync<long>(
            database,
            "select count(*) from engagements where customer_id = any($1)",
            pairs.Select(p => p.Merged).ToArray()
        );
        Assert.Multiple(() =>
        {
            Assert.That(ingested, Is.All.EqualTo(HttpStatusCode.Accepted), "every message was accepted");
            Assert.That(merged, Is.All.EqualTo(HttpStatusCode.OK), "every merge succeeded");
            Assert.That(leftBehind, Is.Zero, "no message stayed with a merged customer");
        });
    }

    private static async Task<T> ScalarAsync<T>(string database, string sql, object parameter)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        return await ScalarAsync<T>(connection, sql, parameter);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, object parameter)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
