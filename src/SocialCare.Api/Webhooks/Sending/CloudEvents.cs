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
/// number. <c>traceparent</c> (and <c>tracestate</c>) are the CloudEvents distributed tracing extension: the W3C
/// trace context the event was appended in, so a subscriber can continue the trace (the request's own
/// <c>traceparent</c> header is the attempt's span, in the same trace).
/// </summary>
public static class CloudEvents
{
    public const int SequenceWidth = 19;

    public static string SequenceOf(long sequence) =>
        sequence.ToString(new string('0', SequenceWidth), CultureInfo.InvariantCulture);

    public static string Envelope(HubEvent e, string type, Infrastructure.Telemetry.EventTrace? trace = null) =>
        Envelope(
            e.EventId,
            type,
            e.WorkspaceId,
            EventLog.Relay.BusHeaders.SubjectOf(e)?.ToString(),
            e.RecordedAt,
            e.Sequence,
            JsonSerializer.SerializeToNode(e, e.GetType(), EventTypeRegistry.Json),
            trace
        );

    public static string Envelope(
        Guid id,
        string type,
        Guid workspaceId,
        string? subject,
        DateTimeOffset time,
        long sequence,
        JsonNode? data,
        Infrastructure.Telemetry.EventTrace? trace = null
    )
    {
        var envelope = new JsonObject
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
        };
        if (trace is not null)
        {
            envelope[Infrastructure.Telemetry.EventTrace.TraceParentName] = trace.TraceParent;
            if (trace.TraceState is { Length: > 0 } state)
            {
                envelope[Infrastructure.Telemetry.EventTrace.TraceStateName] = state;
            }
        }

        envelope["data"] = data;
        return envelope.ToJsonString(EventTypeRegistry.Json);
    }

    /// <summary>The trace context an envelope carries: its attributes come before <c>data</c>, within its first
    /// kilobytes, so only they are read.</summary>
    public static Infrastructure.Telemetry.EventTrace? TraceOf(string envelope)
    {
        var reader = new Utf8JsonReader(
            System.Text.Encoding.UTF8.GetBytes(envelope[..Math.Min(envelope.Length, 4096)]),
            isFinalBlock: false,
            state: default
        );
        string? parent = null,
            state = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("data"u8))
                {
                    break;
                }

                var name = reader.GetString();
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    if (name == Infrastructure.Telemetry.EventTrace.TraceParentName)
                    {
                        parent = reader.GetString();
                    }
                    else if (name == Infrastructure.Telemetry.EventTrace.TraceStateName)
                    {
                        state = reader.GetString();
                    }
                }
                else if (!reader.TrySkip())
                {
                    // An object or array running past the part read: the trace attributes are not in it.
                    break;
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return Infrastructure.Telemetry.EventTrace.From(parent, state);
    }
}
