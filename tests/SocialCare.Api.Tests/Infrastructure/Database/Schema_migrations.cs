using Npgsql;
using SocialCare.Api.Infrastructure.Database;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Infrastructure.Database;

public sealed class Schema_migrations
{
    [Test]
    public async Task Two_migrators_racing_on_a_fresh_database_apply_each_script_exactly_once()
    {
        await TestEnvironment.WithDatabaseAsync(
            "race",
            async connectionString =>
            {
                await using var first = NpgsqlDataSource.Create(connectionString);
                await using var second = NpgsqlDataSource.Create(connectionString);
                var results = await Task.WhenAll(
                    Migrator.MigrateAsync(first, CancellationToken.None),
                    Migrator.MigrateAsync(second, CancellationToken.None)
                );

                await using var command = first.CreateCommand("select version from schema_migrations order by version");
                var versions = new List<string>();
                await using (var reader = await command.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        versions.Add(reader.GetString(0));
                    }
                }

                Assert.Multiple(() =>
                {
                    Assert.That(versions, Is.EqualTo(Migrator.Scripts.Select(s => s.Version).ToList()));
                    Assert.That(
                        results.Sum(r => r.Count),
                        Is.EqualTo(Migrator.Scripts.Count),
                        "one racer applied everything, the other nothing"
                    );
                });
                Assert.That(
                    await Migrator.MigrateAsync(first, CancellationToken.None),
                    Is.Empty,
                    "a third run has nothing to do"
                );
            }
        );
    }

    [Test]
    public async Task Two_hubs_starting_at_once_on_a_fresh_database_both_become_ready()
    {
        await TestEnvironment.WithDatabaseAsync(
            "hubs",
            async connectionString =>
            {
                var settings = new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = connectionString };
                await using var one = new HubFactory(settings);
                await using var two = new HubFactory(settings);
                await Task.WhenAll(Task.Run(one.StartAsync), Task.Run(two.StartAsync));
                var workspaceId = await one.CreateWorkspaceAsync("made on one");
                using var viaTwo = two.AdminClient();
                await HubApi.ReadJson(
                    await viaTwo.GetAsync($"/v1/workspaces/{workspaceId}"),
                    System.Net.HttpStatusCode.OK
                );
            }
        );
    }
}
