using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.EventLog;
using SocialCare.Contracts;

namespace SocialCare.Api.Webhooks.Sending;

/// <summary>
/// The CloudEvents 1.0 JSON envelope every webhook carries. <c>dataschema</c> is the <c>$id</c> of the body's JSON
/// Schema (contracts/schemas). <c>sequence</c> is the global sequence in the form the CloudEvents sequence extension
/// asks for, a string that orders lexicographically: the decimal number, zero-padded to 19 digits (the width of the
/// largest sequence), so that sorting the strings sorts the events; <c>data.sequence</c> is the same number as a
/// number.
/// </summary>
public static class CloudEvents
{
    public const int SequenceWidth = 19;

    public static string SequenceOf(long sequence) =>
        sequence.ToString(new string('0', SequenceWidth), CultureInfo.InvariantCulture);

    public static string Envelope(HubEvent e, string type) =>
        Envelope(
            e.EventId,
            type,
            e.WorkspaceId,
            EventLog.Relay.BusHeaders.SubjectOf(e)?.ToString(),
            e.RecordedAt,
            e.Sequence,
            JsonSerializer.SerializeToNode(e, e.GetType(), EventTypeRegistry.Json)
        );

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
            ["source"] = EventLog.Relay.BusHeaders.SourceOf(workspaceId),
            ["subject"] = subject,
            ["time"] = time.ToString("O", CultureInfo.InvariantCulture),
            ["datacontenttype"] = "application/json",
            ["dataschema"] = EventSchemas.IdOf(type),
            ["sequence"] = SequenceOf(sequence),
            ["data"] = data,
        }.ToJsonString(EventTypeRegistry.Json);
}
