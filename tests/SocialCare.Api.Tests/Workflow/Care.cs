using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Workflow;

/// <summary>Arranging care operations the way a workspace admin would: SLA policies and brands.</summary>
internal static class Care
{
    public static async Task<Guid> CreatePolicyAsync(this HttpClient client, object policy) =>
        (await HubApi.ReadJson(await client.PostAsJsonAsync("/v1/sla-policies", policy), HttpStatusCode.Created))[
            "id"
        ]!.GetValue<Guid>();

    /// <summary>Configures <paramref name="brand"/> with <paramref name="policyId"/> as its default; always open unless
    /// <paramref name="businessHours"/> says otherwise.</summary>
    public static async Task ConfigureBrandAsync(
        this HttpClient client,
        string brand,
        Guid? policyId,
        object? businessHours = null,
        string timeZone = "UTC"
    )
    {
        var response = await client.PutAsJsonAsync(
            $"/v1/brands/{brand}",
            new
            {
                timeZone,
                businessHours,
                defaultSlaPolicyId = policyId,
            }
        );
        Assert.That(
            response.StatusCode,
            Is.AnyOf(HttpStatusCode.Created, HttpStatusCode.OK),
            await response.Content.ReadAsStringAsync()
        );
    }

    /// <summary>The workspace's events of <paramref name="types"/> for one conversation, once there are at least
    /// <paramref name="count"/>.</summary>
    public static async Task<List<JsonNode>> WaitForConversationEventsAsync(
        this HttpClient client,
        Guid conversationId,
        int count,
        string types = "sla.*"
    )
    {
        var page = await Eventually.Until(
            async () =>
                (
                    await HubApi.ReadJson(
                        await client.GetAsync($"/v1/events?limit=500&types={types}"),
                        HttpStatusCode.OK
                    )
                )["items"]!
                    .AsArray()
                    .Where(e => e!["data"]!["conversationId"]?.GetValue<Guid>() == conversationId)
                    .Select(e => e!)
                    .ToList(),
            items => items.Count >= count,
            what: $"{count} {types} events of conversation {conversationId}"
        );
        return page;
    }

    public static async Task<JsonNode> ConversationAsync(this HttpClient client, Guid id) =>
        await HubApi.ReadJson(await client.GetAsync($"/v1/conversations/{id}"), HttpStatusCode.OK);

    public static async Task<JsonNode> ActAsync(
        this HttpClient client,
        Guid id,
        string command,
        object? body = null,
        HttpStatusCode expected = HttpStatusCode.OK
    ) =>
        await HubApi.ReadJson(
            await client.PostAsJsonAsync($"/v1/conversations/{id}/{command}", body ?? new { }),
            expected
        );

    public static string Type(this JsonNode e) => e["type"]!.GetValue<string>();

    public static string Target(this JsonNode e) => e["data"]!["target"]!.GetValue<string>();

    public static DateTimeOffset At(this JsonNode node, string field) => node[field]!.GetValue<DateTimeOffset>();
}
