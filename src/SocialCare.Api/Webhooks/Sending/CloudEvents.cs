using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.EventLog;
using SocialCare.Contracts;

namespace SocialCare.Api.Webhooks.Sending;

/// <summary>The CloudEvents 1.0 JSON envelope every webhook carries, with the global sequence as an extension for
/// ordering and dedupe.</summary>
public static class CloudEvents
{
    public static string Envelope(HubEvent e, string type) =>
        Envelope(
            e.EventId,
            type,
            e.WorkspaceId,
            SubjectOf(e)?.ToString(),
            e.RecordedAt,
            e.Sequence,
            JsonSerializer.SerializeToNode(e, e.GetType(), EventTypeRegistry.Json)
        );

    /// <summary>What the event is about: the subscription for webhook events, else the conversation, else the
    /// customer.</summary>
    private static Guid? SubjectOf(HubEvent e) => EventMatcher.SubscriptionOf(e) ?? e.ConversationId ?? e.CustomerId;

    public static string Envelope(
        Guid id,
        string type,
        Guid workspaceId,
        string? subject,
        DateTimeOffset time,
        long sequence,
        JsonNode? data
    ) =>
        new JsonObject
        {
            ["specversion"] = "1.0",
            ["id"] = id.ToString(),
            ["type"] = type,
            ["source"] = $"/v1/workspaces/{workspaceId}",
            ["subject"] = subject,
            ["time"] = time.ToString("O", CultureInfo.InvariantCulture),
            ["datacontenttype"] = "application/json",
            ["sequence"] = sequence,
            ["data"] = data,
        }.ToJsonString(EventTypeRegistry.Json);
}
