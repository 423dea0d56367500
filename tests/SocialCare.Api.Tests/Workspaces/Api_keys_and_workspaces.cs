using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Workspaces;

public sealed class Api_keys_and_workspaces : HubFixture
{
    private HttpClient _admin = null!;

    [OneTimeSetUp]
    public void CreateAdminClient() => _admin = Hub.AdminClient();

    [OneTimeTearDown]
    public void DisposeAdminClient() => _admin.Dispose();

    [Test]
    public async Task Admin_creates_a_workspace_and_a_key_whose_secret_is_shown_once()
    {
        var workspaceId = await Hub.CreateWorkspaceAsync("Alshaya care");
        var created = await HubApi.ReadJson(
            await _admin.PostAsJsonAsync(
                $"/v1/workspaces/{workspaceId}/api-keys",
                new
                {
                    name = "billing-app",
                    scopes = new[] { "conversations:read", "events:read" },
                    brands = new[] { "H&M" },
                }
            ),
            HttpStatusCode.Created
        );
        var key = created["key"]!.GetValue<string>();
        var listed = await HubApi.ReadJson(
            await _admin.GetAsync($"/v1/workspaces/{workspaceId}/api-keys"),
            HttpStatusCode.OK
        );

        Assert.Multiple(() =>
        {
            Assert.That(key, Does.StartWith("sch_").And.Length.EqualTo(44));
            Assert.That(listed.AsArray(), Has.Count.EqualTo(1));
            Assert.That(listed[0]!["key"], Is.Null, "a listing never shows the secret");
            Assert.That(listed[0]!["hint"]!.GetValue<string>(), Does.StartWith(key[..8]).And.EndWith(key[^4..]));
            Assert.That(listed[0]!["brands"]![0]!.GetValue<string>(), Is.EqualTo("H&M"));
        });

        using var client = Hub.ClientWithKey(key);
        var me = await HubApi.ReadJson(await client.GetAsync("/v1/me"), HttpStatusCode.OK);
        Assert.Multiple(() =>
        {
            Assert.That(me["workspace"]!["id"]!.GetValue<Guid>(), Is.EqualTo(workspaceId));
            Assert.That(me["keyName"]!.GetValue<string>(), Is.EqualTo("billing-app"));
            Assert.That(
                me["scopes"]!.AsArray().Select(s => s!.GetValue<string>()),
                Is.EquivalentTo(new[] { "conversations:read", "events:read" })
            );
        });
    }

    [Test]
    public async Task Stored_key_is_a_hash_not_the_secret()
    {
        var workspaceId = await Hub.CreateWorkspaceAsync("hash check");
        var (keyId, key) = await Hub.CreateKeyAsync(workspaceId, "app", ["events:read"]);
        await using var connection = new Npgsql.NpgsqlConnection(TestRun.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("select key_hash from api_keys where id = $1", connection);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = keyId });
        var stored = (byte[])(await command.ExecuteScalarAsync())!;
        Assert.That(
            stored,
            Is.EqualTo(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))
        );
    }

    [Test]
    public async Task Unknown_scope_is_a_validation_problem()
    {
        var workspaceId = await Hub.CreateWorkspaceAsync("bad scope");
        var problem = await HubApi.ReadProblem(
            await _admin.PostAsJsonAsync(
                $"/v1/workspaces/{workspaceId}/api-keys",
                new { name = "x", scopes = new[] { "everything:all" } }
            ),
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.That(problem["errors"]!["scopes[0]"]![0]!.GetValue<string>(), Does.Contain("everything:all"));
    }

    [Test]
    public async Task Key_with_an_empty_brand_list_is_a_validation_problem_not_an_unrestricted_key()
    {
        var workspaceId = await Hub.CreateWorkspaceAsync("empty brands");
        var problem = await HubApi.ReadProblem(
            await _admin.PostAsJsonAsync(
                $"/v1/workspaces/{workspaceId}/api-keys",
                new
                {
                    name = "x",
                    scopes = new[] { "events:read" },
                    brands = Array.Empty<string>(),
                }
            ),
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        var keys = await HubApi.ReadJson(
            await _admin.GetAsync($"/v1/workspaces/{workspaceId}/api-keys"),
            HttpStatusCode.OK
        );
        Assert.Multiple(() =>
        {
            Assert.That(problem["errors"]!["brands"], Is.Not.Null);
            Assert.That(keys.AsArray(), Is.Empty, "no key was created");
        });
    }

    [Test]
    public async Task Key_for_a_workspace_that_does_not_exist_is_a_404() =>
        await HubApi.ReadProblem(
            await _admin.PostAsJsonAsync(
                $"/v1/workspaces/{Guid.CreateVersion7()}/api-keys",
                new { name = "x", scopes = new[] { "events:read" } }
            ),
            HttpStatusCode.NotFound,
            "not-found"
        );

    [Test]
    public async Task Missing_key_is_a_401_problem_with_a_bearer_challenge()
    {
        using var anonymous = Hub.CreateClient();
        var response = await anonymous.GetAsync("/v1/me");
        await HubApi.ReadProblem(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"));
    }

    [TestCase("sch_not_a_real_key_at_all_0000000000000")]
    [TestCase("Basic dXNlcjpwYXNz")]
    public async Task Invalid_key_is_a_401_problem(string key)
    {
        using var client = Hub.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation(
            "Authorization",
            key.StartsWith("Basic", StringComparison.Ordinal) ? key : "Bearer " + key
        );
        await HubApi.ReadProblem(await client.GetAsync("/v1/me"), HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Test]
    public async Task Revoked_key_stops_working_on_the_next_request()
    {
        var workspaceId = await Hub.CreateWorkspaceAsync("revocation");
        var (keyId, key) = await Hub.CreateKeyAsync(workspaceId, "soon gone", ["events:read"]);
        using var client = Hub.ClientWithKey(key);
        await HubApi.ReadJson(await client.GetAsync("/v1/me"), HttpStatusCode.OK);

        var revoked = await _admin.DeleteAsync($"/v1/workspaces/{workspaceId}/api-keys/{keyId}");
        Assert.That(revoked.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        await HubApi.ReadProblem(await client.GetAsync("/v1/me"), HttpStatusCode.Unauthorized, "unauthorized");
        var listed = await HubApi.ReadJson(
            await _admin.GetAsync($"/v1/workspaces/{workspaceId}/api-keys"),
            HttpStatusCode.OK
        );
        Assert.That(listed[0]!["revokedAt"], Is.Not.Null);
    }

    [Test]
    public async Task Revoking_another_workspaces_key_is_a_404()
    {
        var owner = await Hub.CreateWorkspaceAsync("owner");
        var other = await Hub.CreateWorkspaceAsync("other");
        var (keyId, key) = await Hub.CreateKeyAsync(owner, "app", ["events:read"]);
        await HubApi.ReadProblem(
            await _admin.DeleteAsync($"/v1/workspaces/{other}/api-keys/{keyId}"),
            HttpStatusCode.NotFound,
            "not-found"
        );
        using var client = Hub.ClientWithKey(key);
        await HubApi.ReadJson(await client.GetAsync("/v1/me"), HttpStatusCode.OK);
    }

    [Test]
    public async Task Workspace_key_may_not_use_admin_operations()
    {
        var (_, client) = await Hub.CreateTenantAsync("not admin");
        using (client)
        {
            var problem = await HubApi.ReadProblem(
                await client.PostAsJsonAsync("/v1/workspaces", new { name = "mine" }),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("admin key"));
        }
    }

    [Test]
    public async Task Another_workspaces_resource_answers_404_never_its_data()
    {
        var (ownId, client) = await Hub.CreateTenantAsync("tenant A", "events:read");
        var otherId = await Hub.CreateWorkspaceAsync("tenant B");
        using (client)
        {
            await HubApi.ReadJson(await client.GetAsync($"/v1/workspaces/{ownId}"), HttpStatusCode.OK);
            var problem = await HubApi.ReadProblem(
                await client.GetAsync($"/v1/workspaces/{otherId}"),
                HttpStatusCode.NotFound,
                "not-found"
            );
            Assert.That(problem.ToJsonString(), Does.Not.Contain("tenant B"));
        }
    }

    [Test]
    public async Task Arabic_and_emoji_names_round_trip_exactly()
    {
        const string name = "الشايع — care 👩‍👩‍👧 שלום\u200F";
        var id = await Hub.CreateWorkspaceAsync(name);
        var fetched = await HubApi.ReadJson(await _admin.GetAsync($"/v1/workspaces/{id}"), HttpStatusCode.OK);
        Assert.That(fetched["name"]!.GetValue<string>(), Is.EqualTo(name));
    }
}
