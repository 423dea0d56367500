using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SocialCare.Api.Tests.Support;

/// <summary>Small helpers over the public API, used to arrange tests the way a user would.</summary>
public static class HubApi
{
    public static async Task<Guid> CreateWorkspaceAsync(this HubFactory hub, string name)
    {
        using var admin = hub.AdminClient();
        var created = await ReadJson(await admin.PostAsJsonAsync("/v1/workspaces", new { name }), HttpStatusCode.Created);
        return created["id"]!.GetValue<Guid>();
    }

    public static async Task<(Guid Id, string Key)> CreateKeyAsync(this HubFactory hub, Guid workspaceId, string name, string[] scopes, string[]? brands = null)
    {
        using var admin = hub.AdminClient();
        var created = await ReadJson(
            await admin.PostAsJsonAsync($"/v1/workspaces/{workspaceId}/api-keys", new { name, scopes, brands }), HttpStatusCode.Created);
        return (created["id"]!.GetValue<Guid>(), created["key"]!.GetValue<string>());
    }

    /// <summary>A new workspace and a key with <paramref name="scopes"/> (every scope when none are given).</summary>
    public static async Task<(Guid WorkspaceId, HttpClient Client)> CreateTenantAsync(this HubFactory hub, string name, params string[] scopes)
    {
        var workspaceId = await hub.CreateWorkspaceAsync(name);
        var (_, key) = await hub.CreateKeyAsync(workspaceId, $"{name} app", scopes.Length > 0 ? scopes : SocialCare.Api.Authorization.Scopes.All.ToArray());
        return (workspaceId, hub.ClientWithKey(key));
    }

    public static async Task<JsonNode> ReadJson(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(expected), $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered: {body}");
        return JsonNode.Parse(body)!;
    }

    /// <summary>Asserts an RFC 9457 problem with the given status and stable code, and returns it.</summary>
    public static async Task<JsonNode> ReadProblem(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(status), body);
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), body);
        });
        var problem = JsonNode.Parse(body)!;
        Assert.Multiple(() =>
        {
            Assert.That(problem["status"]!.GetValue<int>(), Is.EqualTo((int)status));
            Assert.That(problem["code"]!.GetValue<string>(), Is.EqualTo(code));
            Assert.That(problem["type"]!.GetValue<string>(), Is.EqualTo("urn:socialcare:problem:" + code));
            Assert.That(problem["title"]!.GetValue<string>(), Is.Not.Empty);
        });
        return problem;
    }

    public static StringContent Json(string raw) => new(raw, System.Text.Encoding.UTF8, "application/json");

    public static JsonSerializerOptions Web { get; } = new(JsonSerializerDefaults.Web);
}
