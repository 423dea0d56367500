using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.EventLog;
using SocialCare.Api.EventLog.Relay;
using SocialCare.Api.Tests.Support;
using SocialCare.Contracts;

namespace SocialCare.Api.Tests.Contracts;

/// <summary>
/// The components of contracts/asyncapi.json: one message per event type (MassTransit's envelope around the event,
/// whose schema is <c>./schemas/&lt;type&gt;.json</c>), the <see cref="BusHeaders"/> and an example of each.
/// </summary>
internal static class AsyncApiMessages
{
    /// <summary>What the relay publishes: MassTransit's default System.Text.Json envelope.</summary>
    public const string ContentType = "application/vnd.masstransit+json";

    /// <summary>The members of MassTransit's JSON envelope; those without a value are left out.</summary>
    public static readonly IReadOnlyDictionary<string, (string Type, string? Format, string Description)> Envelope =
        new Dictionary<string, (string, string?, string)>
        {
            ["messageId"] = ("string", "uuid", "The event id (`message.eventId`)."),
            ["requestId"] = ("string", "uuid", "Not used by the hub."),
            ["correlationId"] = ("string", "uuid", "Not used by the hub."),
            ["conversationId"] = ("string", "uuid", "MassTransit's conversation, not the hub's: ignore it."),
            ["initiatorId"] = ("string", "uuid", "Not used by the hub."),
            ["sourceAddress"] = ("string", "uri", "The publishing bus endpoint."),
            ["destinationAddress"] = ("string", "uri", "The exchange the hub published to."),
            ["responseAddress"] = ("string", "uri", "Not used by the hub."),
            ["faultAddress"] = ("string", "uri", "Not used by the hub."),
            ["messageType"] = ("array", null, "MassTransit's type URNs; use the cloudEvents_type header instead."),
            ["message"] = ("object", null, "The event."),
            ["expirationTime"] = ("string", "date-time", "Not used by the hub."),
            ["sentTime"] = ("string", "date-time", "When the relay published it (the event's time is recordedAt)."),
            ["headers"] = ("object", null, "MassTransit's copy of the message headers."),
            ["host"] = ("object", null, "The publishing process (machine, process, versions)."),
        };

    public static JsonObject Components() =>
        new()
        {
            ["schemas"] = new JsonObject { ["MassTransitEnvelope"] = EnvelopeSchema(), ["BusHeaders"] = Headers() },
            ["messages"] = new JsonObject(
                EventTypeRegistry
                    .Names.Order(StringComparer.Ordinal)
                    .Select(t => KeyValuePair.Create<string, JsonNode?>(t, Message(t)))
            ),
            ["securitySchemes"] = new JsonObject
            {
                ["userPassword"] = new JsonObject
                {
                    ["type"] = "userPassword",
                    ["description"] = "The broker user a department is given (RabbitMQ's PLAIN mechanism).",
                },
            },
        };

    private static JsonObject Message(string type) =>
        new()
        {
            ["name"] = type,
            ["title"] = type,
            ["summary"] = $"A {type} event in MassTransit's envelope.",
            ["contentType"] = ContentType,
            ["headers"] = new JsonObject
            {
                ["allOf"] = new JsonArray(
                    new JsonObject { ["$ref"] = "#/components/schemas/BusHeaders" },
                    new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject { [BusHeaders.Type] = new JsonObject { ["const"] = type } },
                    }
                ),
            },
            ["payload"] = new JsonObject
            {
                ["allOf"] = new JsonArray(
                    new JsonObject { ["$ref"] = "#/components/schemas/MassTransitEnvelope" },
                    new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject
                        {
                            ["message"] = new JsonObject { ["$ref"] = $"./schemas/{type}.json" },
                        },
                    }
                ),
            },
            ["bindings"] = new JsonObject
            {
                ["amqp"] = new JsonObject { ["bindingVersion"] = AsyncApiDocument.BindingVersion },
            },
            ["examples"] = new JsonArray(Example(type)),
        };

    private static JsonObject EnvelopeSchema() =>
        new()
        {
            ["type"] = "object",
            ["description"] = "MassTransit's JSON envelope. The event is `message`.",
            ["required"] = new JsonArray("messageId", "messageType", "message"),
            ["properties"] = new JsonObject(
                Envelope.Select(m =>
                {
                    var schema = new JsonObject { ["type"] = m.Value.Type, ["description"] = m.Value.Description };
                    if (m.Value.Format is { } format)
                    {
                        schema["format"] = format;
                    }

                    if (m.Value.Type == "array")
                    {
                        schema["items"] = new JsonObject { ["type"] = "string" };
                    }

                    return KeyValuePair.Create<string, JsonNode?>(m.Key, schema);
                })
            ),
        };

    private static JsonObject Headers()
    {
        static JsonObject String(string description, string? format = null)
        {
            var schema = new JsonObject { ["type"] = "string", ["description"] = description };
            if (format is not null)
            {
                schema["format"] = format;
            }

            return schema;
        }

        var properties = new JsonObject
        {
            [BusHeaders.SpecVersion] = new JsonObject
            {
                ["type"] = "string",
                ["const"] = "1.0",
                ["description"] = "The CloudEvents version.",
            },
            [BusHeaders.Id] = String("The event id: dedupe on it. Also the AMQP message-id.", "uuid"),
            [BusHeaders.Type] = new JsonObject
            {
                ["type"] = "string",
                ["enum"] = new JsonArray(
                    EventTypeRegistry.Names.Order(StringComparer.Ordinal).Select(n => (JsonNode)n!).ToArray()
                ),
                ["description"] = "The event type, as in webhooks and the changefeed.",
            },
            [BusHeaders.Source] = new JsonObject
            {
                ["type"] = "string",
                ["pattern"] = "^/v1/workspaces/[0-9a-f-]{36}$",
                ["description"] = "The workspace, as the REST API names it.",
            },
            [BusHeaders.Subject] = String(
                "What the event is about: the subscription for webhook and subscription events, else the "
                    + "conversation, else the customer. Absent when there is none.",
                "uuid"
            ),
            [BusHeaders.Time] = String("When the hub recorded the event (`message.recordedAt`).", "date-time"),
            [BusHeaders.WorkspaceId] = String("The workspace the event belongs to.", "uuid"),
            [BusHeaders.Sequence] = new JsonObject
            {
                ["type"] = "integer",
                ["format"] = "int64",
                ["minimum"] = 1,
                ["description"] = "The event's global sequence (`message.sequence`), an AMQP long: order on it.",
            },
            [BusHeaders.TraceParent] = new JsonObject
            {
                ["type"] = "string",
                ["pattern"] = "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
                ["description"] =
                    "The W3C trace context the event was appended in (the CloudEvents distributed tracing "
                    + "extension): continue the trace from it. Absent when the event was appended outside a trace. "
                    + "MassTransit's own MT-Activity-Id carries the publish span.",
            },
            [BusHeaders.TraceState] = String(
                "The W3C tracestate that goes with cloudEvents_traceparent, when there is one.",
                null
            ),
        };
        return new JsonObject
        {
            ["type"] = "object",
            ["description"] =
                "AMQP headers (application properties) named after the CloudEvents AMQP protocol binding, "
                + "strings but for the sequence. MassTransit may add headers of its own.",
            ["required"] = new JsonArray(
                BusHeaders
                    .All.Where(h => h is not (BusHeaders.Subject or BusHeaders.TraceParent or BusHeaders.TraceState))
                    .Select(h => (JsonNode)h!)
                    .ToArray()
            ),
            ["properties"] = properties,
        };
    }

    private static JsonObject Example(string type)
    {
        var e = SampleEvent(type);
        var message = Filled(JsonSerializer.SerializeToNode(e, e.GetType(), EventTypeRegistry.Json)!, type, e);
        var headers = new JsonObject(
            BusHeaders
                .Of(e, type)
                .Select(h =>
                    KeyValuePair.Create<string, JsonNode?>(
                        h.Key,
                        h.Value is long number ? JsonValue.Create(number) : JsonValue.Create((string)h.Value)
                    )
                )
        );
        return new JsonObject
        {
            ["name"] = type.Replace('.', '-'),
            ["summary"] = $"A {type} event as a consumer's queue receives it.",
            ["headers"] = headers,
            ["payload"] = new JsonObject
            {
                ["messageId"] = e.EventId.ToString(),
                ["messageType"] = new JsonArray(MessageTypes(e.GetType()).Select(u => (JsonNode)u!).ToArray()),
                ["message"] = message,
                ["sentTime"] = e.RecordedAt.AddMilliseconds(12).ToString("O", CultureInfo.InvariantCulture),
            },
        };
    }

    /// <summary>MassTransit's type URNs for an event: its record, then each base record up to
    /// <see cref="HubEvent"/>.</summary>
    public static IEnumerable<string> MessageTypes(Type type)
    {
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            yield return $"urn:message:{t.Namespace}:{t.Name}";
        }
    }

    /// <summary>An example of the type: the schema's own example when it has one, else the contract record with
    /// the fields every event carries filled in.</summary>
    private static HubEvent SampleEvent(string type)
    {
        var schema = JsonNode.Parse(File.ReadAllText(CheckedInContracts.Path("schemas", $"{type}.json")))!;
        if (schema["examples"]?[0] is { } example)
        {
            return EventTypeRegistry.Deserialize(type, example.ToJsonString());
        }

        var aboutConversation =
            !type.StartsWith("customer.", StringComparison.Ordinal)
            && !type.StartsWith("webhook.", StringComparison.Ordinal)
            && !type.StartsWith("subscription.", StringComparison.Ordinal);
        return (HubEvent)Activator.CreateInstance(EventTypeRegistry.All[type])! with
        {
            EventId = IdOf(type),
            Sequence = 42,
            WorkspaceId = Guid.Parse("01a2030c-63ed-725b-bfd8-d3a48b19e5d8"),
            Brand = "Namshi",
            ConversationId = aboutConversation ? Guid.Parse("01a20319-a6b0-791e-809a-86bb1d185584") : null,
            CustomerId = Guid.Parse("01a20319-a6b0-770c-9a44-0f28f15b9eaa"),
            RecordedAt = new DateTimeOffset(2026, 11, 22, 11, 52, 22, 448, TimeSpan.Zero),
            Actor = new EventActor("app", "01a2030c-7a1e-7e55-9a3c-5b7f2b0c9d11", "crm", null, null),
        };
    }

    /// <summary>The record's own fields as an example shows them: an id for each empty id, the event's time for each
    /// unset time.</summary>
    private static JsonNode Filled(JsonNode node, string type, HubEvent e)
    {
        foreach (var (name, value) in node is JsonObject o ? o.ToList() : [])
        {
            node[name] = value switch
            {
                JsonValue v when v.TryGetValue(out Guid id) && id == Guid.Empty => IdOf($"{type}.{name}").ToString(),
                JsonValue v when v.TryGetValue(out DateTimeOffset t) && t == default => e.RecordedAt,
                JsonObject => Filled(value.DeepClone(), type, e),
                _ => value?.DeepClone(),
            };
        }

        return node;
    }

    /// <summary>A stable example id per type.</summary>
    private static Guid IdOf(string type) => new(SHA256.HashData(Encoding.UTF8.GetBytes(type)).AsSpan(0, 16));
}
