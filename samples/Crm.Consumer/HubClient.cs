using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Crm.Consumer;

/// <summary>Who the CRM is to the hub, learnt once at start-up from its key.</summary>
public sealed class HubIdentity
{
    public Guid WorkspaceId { get; set; }

    /// <summary>The key's name: the hub files the CRM's context under it.</summary>
    public string Namespace { get; set; } = string.Empty;
}

/// <summary>The hub's REST API, as far as the CRM uses it.</summary>
public sealed class HubClient(HttpClient http, HubIdentity identity)
{
    public Guid WorkspaceId => identity.WorkspaceId;

    public async Task LearnWorkspaceAsync(CancellationToken ct)
    {
        var me = await http.GetFromJsonAsync<JsonNode>("/v1/me", ct);
        identity.WorkspaceId = me!["workspace"]!["id"]!.GetValue<Guid>();
        identity.Namespace = me["keyName"]!.GetValue<string>();
    }

    /// <summary>The CRM's context on the conversation now, or null when it has none or the conversation is not
    /// ours.</summary>
    public async Task<JsonNode?> ContextAsync(Guid conversationId, CancellationToken ct)
    {
        using var response = await http.GetAsync($"/v1/conversations/{conversationId}", ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        var conversation = await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonNode>(ct);
        return conversation!["context"]?[identity.Namespace];
    }

    /// <summary>Writes the CRM's facts onto the conversation; the event id as Idempotency-Key makes a redelivered event
    /// harmless.</summary>
    public async Task WriteContextAsync(Guid conversationId, Guid eventId, object values, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversationId}/context")
        {
            Content = JsonContent.Create(new { values }),
        };
        request.Headers.Add("Idempotency-Key", $"crm-{eventId}");
        using var response = await http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
    }
}
