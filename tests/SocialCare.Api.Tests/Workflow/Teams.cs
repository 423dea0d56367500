using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.Authorization;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Workflow;

/// <summary>
/// Teams (issue 18, point 2): a resource with the usual conventions, every change an event with its actor, and what
/// <c>assign</c> must name once a workspace has any.
/// </summary>
public sealed class Teams : HubFixture
{
    [Test]
    public async Task A_team_is_created_read_renamed_and_deleted_each_change_an_event_with_its_actor()
    {
        var (_, client) = await Hub.CreateTenantAsync("teams story");
        using (client)
        {
            client.DefaultRequestHeaders.Add("X-Actor", "ops-lead");
            var created = await client.PostAsJsonAsync(
                "/v1/teams",
                new
                {
                    name = "Billing ✨ الفواتير",
                    brands = new[] { "Namshi" },
                    description = "Refunds and invoices",
                }
            );
            var team = await HubApi.ReadJson(created, HttpStatusCode.Created);
            var id = team["id"]!.GetValue<Guid>();
            Assert.Multiple(() =>
            {
                Assert.That(created.Headers.Location?.ToString(), Is.EqualTo($"/v1/teams/{id}"));
                Assert.That(created.Headers.ETag?.Tag, Is.EqualTo("\"1\""));
                Assert.That(team["name"]!.GetValue<string>(), Is.EqualTo("Billing ✨ الفواتير"));
            });

            await HubApi.ReadProblem(
                await client.PostAsJsonAsync("/v1/teams", new { name = "BILLING ✨ الفواتير" }),
                HttpStatusCode.Conflict,
                "conflict"
            );
            await HubApi.ReadProblem(
                await client.SendIfMatchAsync(HttpMethod.Patch, $"/v1/teams/{id}", "\"7\"", new { name = "Payments" }),
                HttpStatusCode.PreconditionFailed,
                "precondition-failed"
            );
            var renamed = await client.SendIfMatchAsync(
                HttpMethod.Patch,
                $"/v1/teams/{id}",
                "\"1\"",
                new { name = "Payments" }
            );
            Assert.That(renamed.Headers.ETag?.Tag, Is.EqualTo("\"2\""));
            var read = await HubApi.ReadJson(await client.GetAsync($"/v1/teams/{id}"), HttpStatusCode.OK);
            Assert.Multiple(() =>
            {
                Assert.That(read["name"]!.GetValue<string>(), Is.EqualTo("Payments"));
                Assert.That(read["description"]!.GetValue<string>(), Is.EqualTo("Refunds and invoices"));
                Assert.That(
                    read["brands"]!.AsArray().Select(b => b!.GetValue<string>()),
                    Is.EqualTo(new[] { "Namshi" })
                );
            });
            var listed = await HubApi.ReadJson(await client.GetAsync("/v1/teams"), HttpStatusCode.OK);
            Assert.That(listed["items"]!.AsArray().Select(t => t!["id"]!.GetValue<Guid>()), Is.EqualTo(new[] { id }));

            Assert.That(
                (await client.SendIfMatchAsync(HttpMethod.Delete, $"/v1/teams/{id}", "\"2\"", null)).StatusCode,
                Is.EqualTo(HttpStatusCode.NoContent)
            );
            await HubApi.ReadProblem(await client.GetAsync($"/v1/teams/{id}"), HttpStatusCode.NotFound, "not-found");
            await HubApi.ReadJson(
                await client.PostAsJsonAsync("/v1/teams", new { name = "billing ✨ الفواتير" }),
                HttpStatusCode.Created
            );

            var events = await client.WaitForEventsAsync(4, "team.*");
            Assert.Multiple(() =>
            {
                Assert.That(
                    events.Select(e => e!["type"]!.GetValue<string>()),
                    Is.EqualTo(new[] { "team.created", "team.updated", "team.deleted", "team.created" })
                );
                Assert.That(
                    events.Select(e => e!["data"]!["actor"]!["person"]!.GetValue<string>()),
                    Is.All.EqualTo("ops-lead")
                );
                Assert.That(events[1]!["data"]!["name"]!.GetValue<string>(), Is.EqualTo("Payments"));
            });
        }
    }

    [Test]
    public async Task Once_a_workspace_has_teams_assign_names_one_that_takes_the_conversations_brand()
    {
        var (_, client) = await Hub.CreateTenantAsync("teams assign");
        using (client)
        {
            var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
            var ids = await client.IngestAsync(HubApi.Engagement(channel, "wamid.teams-1", "447700900301"));
            var conversation = ids["conversationId"]!.GetValue<Guid>();

            await Assign(client, conversation, "Tier 2", HttpStatusCode.OK);

            await HubApi.ReadJson(
                await client.PostAsJsonAsync("/v1/teams", new { name = "Billing", brands = new[] { "Namshi" } }),
                HttpStatusCode.Created
            );
            await HubApi.ReadJson(
                await client.PostAsJsonAsync("/v1/teams", new { name = "Ounass care", brands = new[] { "Ounass" } }),
                HttpStatusCode.Created
            );
            var assigned = await Assign(client, conversation, "  billing ", HttpStatusCode.OK);
            await Assign(client, conversation, "Tier 9", HttpStatusCode.UnprocessableEntity, "unknown-team");
            await Assign(client, conversation, "Ounass care", HttpStatusCode.UnprocessableEntity, "unknown-team");
            await Assign(client, conversation, null, HttpStatusCode.OK, agent: "layla");

            var view = await HubApi.ReadJson(
                await client.GetAsync($"/v1/conversations/{conversation}"),
                HttpStatusCode.OK
            );
            Assert.Multiple(() =>
            {
                Assert.That(assigned["events"]!.AsArray(), Has.Count.EqualTo(1));
                Assert.That(view["assignment"]!["team"], Is.Null);
                Assert.That(view["assignment"]!["agent"]!.GetValue<string>(), Is.EqualTo("layla"));
            });
            var events = await client.WaitForEventsAsync(3, "conversation.assigned");
            Assert.That(
                events.Select(e => e!["data"]!["team"]?.GetValue<string>()),
                Is.EqualTo(new[] { "Tier 2", "Billing", null }),
                "the team is recorded by its own name"
            );
        }
    }

    [Test]
    public async Task A_brand_limited_key_manages_and_sees_only_teams_of_its_brands()
    {
        var workspaceId = await Hub.CreateWorkspaceAsync("teams brands");
        var (_, everyKey) = await Hub.CreateKeyAsync(workspaceId, "ops", [Scopes.WorkflowManage]);
        var (_, ksaKey) = await Hub.CreateKeyAsync(workspaceId, "ksa", [Scopes.WorkflowManage], ["acme-ksa"]);
        var (_, stranger) = await Hub.CreateTenantAsync("teams stranger");
        using var every = Hub.ClientWithKey(everyKey);
        using var ksa = Hub.ClientWithKey(ksaKey);
        using (stranger)
        {
            var all = await HubApi.ReadJson(
                await every.PostAsJsonAsync("/v1/teams", new { name = "Everyone" }),
                HttpStatusCode.Created
            );
            await HubApi.ReadProblem(
                await ksa.PostAsJsonAsync("/v1/teams", new { name = "No brands" }),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            await HubApi.ReadProblem(
                await ksa.PostAsJsonAsync("/v1/teams", new { name = "UAE", brands = new[] { "acme-uae" } }),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            var own = await HubApi.ReadJson(
                await ksa.PostAsJsonAsync("/v1/teams", new { name = "KSA", brands = new[] { "acme-ksa" } }),
                HttpStatusCode.Created
            );
            var allId = all["id"]!.GetValue<Guid>();
            await HubApi.ReadProblem(await ksa.GetAsync($"/v1/teams/{allId}"), HttpStatusCode.NotFound, "not-found");
            await HubApi.ReadProblem(await ksa.DeleteAsync($"/v1/teams/{allId}"), HttpStatusCode.NotFound, "not-found");
            await HubApi.ReadProblem(
                await stranger.GetAsync($"/v1/teams/{own["id"]}"),
                HttpStatusCode.NotFound,
                "not-found"
            );
            var ksaList = await HubApi.ReadJson(await ksa.GetAsync("/v1/teams"), HttpStatusCode.OK);
            var everyList = await HubApi.ReadJson(await every.GetAsync("/v1/teams"), HttpStatusCode.OK);
            Assert.Multiple(() =>
            {
                Assert.That(Names(ksaList), Is.EqualTo(new[] { "KSA" }));
                Assert.That(Names(everyList), Is.EquivalentTo(new[] { "Everyone", "KSA" }));
            });
        }
    }

    [Test]
    public async Task Concurrent_creations_of_one_name_make_one_team_and_concurrent_changes_all_land()
    {
        var (_, client) = await Hub.CreateTenantAsync("teams concurrent");
        using (client)
        {
            var creations = await Task.WhenAll(
                Enumerable
                    .Range(0, 8)
                    .Select(i =>
                        client.PostAsJsonAsync("/v1/teams", new { name = i % 2 == 0 ? "Escalations" : "ESCALATIONS" })
                    )
            );
            Assert.Multiple(() =>
            {
                Assert.That(creations.Count(c => c.StatusCode == HttpStatusCode.Created), Is.EqualTo(1));
                Assert.That(creations.Count(c => c.StatusCode == HttpStatusCode.Conflict), Is.EqualTo(7));
            });
            var id = (await HubApi.ReadJson(creations.Single(c => c.IsSuccessStatusCode), HttpStatusCode.Created))[
                "id"
            ]!.GetValue<Guid>();

            var changes = await Task.WhenAll(
                Enumerable
                    .Range(0, 6)
                    .Select(i => client.PatchAsJsonAsync($"/v1/teams/{id}", new { description = $"change {i}" }))
            );
            var read = await client.GetAsync($"/v1/teams/{id}");
            Assert.Multiple(() =>
            {
                Assert.That(changes.Select(c => c.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
                Assert.That(
                    changes.Select(c => c.Headers.ETag?.Tag).Order(),
                    Is.EquivalentTo(Enumerable.Range(2, 6).Select(v => $"\"{v}\""))
                );
                Assert.That(read.Headers.ETag?.Tag, Is.EqualTo("\"7\""));
            });
        }
    }

    private static async Task<JsonNode> Assign(
        HttpClient client,
        Guid conversation,
        string? team,
        HttpStatusCode expected,
        string? code = null,
        string? agent = null
    )
    {
        var response = await client.PostAsJsonAsync($"/v1/conversations/{conversation}/assign", new { team, agent });
        return code is null
            ? await HubApi.ReadJson(response, expected)
            : await HubApi.ReadProblem(response, expected, code);
    }

    private static string[] Names(JsonNode page) =>
        page["items"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()).ToArray();
}
