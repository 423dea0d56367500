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
        return await admin.CreateWorkspaceAsync(name);
    }

    /// <summary>Creates a workspace with <paramref name="admin"/>, a client holding the admin key.</summary>
    public static async Task<Guid> CreateWorkspaceAsync(this HttpClient admin, string name)
    {
        var created = await ReadJson(
            await admin.PostAsJsonAsync("/v1/workspaces", new { name }),
            HttpStatusCode.Created
        );
        return created["id"]!.GetValue<Guid>();
    }

    public static async Task<(Guid Id, string Key)> CreateKeyAsync(
        this HubFactory hub,
        Guid workspaceId,
        string name,
        string[] scopes,
        string[]? brands = null
    )
    {
        using var admin = hub.AdminClient();
        return await admin.CreateKeyAsync(workspaceId, name, scopes, brands);
    }

    /// <summary>Creates an API key with <paramref name="admin"/>, a client holding the admin key.</summary>
    public static async Task<(Guid Id, string Key)> CreateKeyAsync(
        this HttpClient admin,
        Guid workspaceId,
        string name,
        string[] scopes,
        string[]? brands = null
    )
    {
        var created = await ReadJson(
            await admin.PostAsJsonAsync(
                $"/v1/workspaces/{workspaceId}/api-keys",
                new
                {
                    name,
                    scopes,
                    brands,
                }
            ),
            HttpStatusCode.Created
        );
        return (created["id"]!.GetValue<Guid>(), created["key"]!.GetValue<string>());
    }

    /// <summary>A new workspace and a key with <paramref name="scopes"/> (every scope when none are given).</summary>
    public static async Task<(Guid WorkspaceId, HttpClient Client)> CreateTenantAsync(
        this HubFactory hub,
        string name,
        params string[] scopes
    )
    {
        using var admin = hub.AdminClient();
        var (workspaceId, key) = await admin.CreateTenantKeyAsync(name, scopes);
        return (workspaceId, hub.ClientWithKey(key));
    }

    /// <summary>A new workspace and a key with <paramref name="scopes"/> (every scope when none are given), made with
    /// <paramref name="admin"/>.</summary>
    public static async Task<(Guid WorkspaceId, string Key)> CreateTenantKeyAsync(
        this HttpClient admin,
        string name,
        params string[] scopes
    )
    {
        var workspaceId = await admin.CreateWorkspaceAsync(name);
        var (_, key) = await admin.CreateKeyAsync(
            workspaceId,
            $"{name} app",
            scopes.Length > 0 ? scopes : SocialCare.Api.Authorization.Scopes.All.ToArray()
        );
        return (workspaceId, key);
    }

    public static async Task<JsonNode> ReadJson(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(
            response.StatusCode,
            Is.EqualTo(expected),
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered: {body}"
        );
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

    public static async Task<Guid> CreateChannelAsync(
        this HttpClient client,
        string type,
        string brand,
        object? settings = null
    )
    {
        var created = await ReadJson(
            await client.PostAsJsonAsync(
                "/v1/channels",
                new
                {
                    type,
                    name = $"{brand} {type}",
                    brand,
                    settings,
                }
            ),
            HttpStatusCode.Created
        );
        return created["id"]!.GetValue<Guid>();
    }

    /// <summary>An engagement body in the documented field names, with overridable parts.</summary>
    public static object Engagement(
        Guid channelId,
        string messageId,
        string userId,
        string? text = "Hello",
        string visibility = "private",
        string? threadKey = null,
        string? displayName = null,
        DateTimeOffset? occurredAt = null
    ) =>
        new
        {
            channelId,
            platformMessageId = messageId,
            threadKey,
            author = new
            {
                platformUserId = userId,
                displayName,
                handle = (string?)null,
            },
            text,
            visibility,
            occurredAt = occurredAt ?? DateTimeOffset.UtcNow.AddSeconds(-1),
        };

    public static async Task<JsonNode> IngestAsync(
        this HttpClient client,
        object engagement,
        HttpStatusCode expected = HttpStatusCode.Accepted
    ) => await ReadJson(await client.PostAsJsonAsync("/v1/engagements", engagement), expected);

    /// <summary>Waits until the changefeed shows <paramref name="count"/> events: the relay has sequenced
    /// them.</summary>
    public static async Task<JsonArray> WaitForEventsAsync(this HttpClient client, int count, string? types = null)
    {
        var query = $"/v1/events?limit=500{(types is null ? string.Empty : "&types=" + types)}";
        var page = await Eventually.Until(
            async () => await ReadJson(await client.GetAsync(query), HttpStatusCode.OK),
            p => p["items"]!.AsArray().Count >= count,
            what: $"{count} events in the changefeed"
        );
        return page["items"]!.AsArray();
    }

    /// <summary>A request with <c>If-Match</c> (sent as given, even when it is not a valid entity tag).</summary>
    public static Task<HttpResponseMessage> SendIfMatchAsync(
        this HttpClient client,
        HttpMethod method,
        string path,
        string ifMatch,
        object? body
    )
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return client.SendAsync(request);
    }
}
