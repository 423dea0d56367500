using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using SocialCare.Api.EventLog;
using SocialCare.Api.Infrastructure.OpenApi;
using SocialCare.Api.Webhooks.Sending;
using SocialCare.Contracts;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SocialCare.Api.Webhooks;

/// <summary>
/// The events in the OpenAPI document. Each event body's schema (the same as contracts/schemas) is a component
/// (<c>ConversationAssignedEvent</c>, …); the changefeed's and the timeline's <c>data</c> is one of them; and the
/// document's <c>webhooks</c> section has one entry per event type: the CloudEvents envelope a subscription receives,
/// with the Standard Webhooks headers and signature, and what each answer of the endpoint means.
/// </summary>
internal sealed class WebhookEventsDocumentFilter : IDocumentFilter
{
    public const string EnvelopeSchema = "CloudEvent";
    public const string SignatureScheme = "webhookSignature";
    private const string Tag = "Webhook events";
    private const string FeedItem = "FeedItem";
    private static readonly Guid TestEventId = Guid.Parse("0193a5e2-2222-7b7e-9a51-3f1c2d4e5f60");

    public static string ComponentOf(string type) =>
        string.Concat(type.Split('.', '_').Select(part => char.ToUpperInvariant(part[0]) + part[1..])) + "Event";

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        document.Components ??= new OpenApiComponents();
        var schemas = document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var type in EventSchemas.Types.Keys)
        {
            var schema = EventSchemas.For(type);
            schema.Remove("$schema");
            schema.Remove("$id");
            schemas[ComponentOf(type)] = Parse(schema, document);
        }

        schemas[EnvelopeSchema] = Envelope();
        if (schemas.TryGetValue("TimelineEntry", out var entry) && entry is OpenApiSchema { Properties: { } fields })
        {
            fields["data"] = AnyEvent(document);
        }

        if (schemas.TryGetValue(FeedItem, out var item) && item is OpenApiSchema { Properties: not null } feedItem)
        {
            DiscriminateByType(feedItem, schemas, document);
        }

        // .NET's JsonNode, which `data` was before: nothing refers to it now.
        schemas.Remove("JsonNode");
        schemas.Remove("JsonNodeOptions");
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SignatureScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "webhook-signature",
            Description =
                "Standard Webhooks: `v1,<base64 HMAC-SHA256>` over `{webhook-id}.{webhook-timestamp}.{body}`, keyed "
                + "with the subscription's secret (`whsec_…`); several, space-separated, while a secret rotates. "
                + "Verify it before you trust the body (docs/webhooks.md).",
        };
        document.Tags ??= new HashSet<OpenApiTag>();
        document.Tags.Add(
            new OpenApiTag
            {
                Name = Tag,
                Description =
                    "What a subscription's endpoint receives: one CloudEvents envelope per event, signed with the "
                    + "Standard Webhooks scheme. The same bodies are on the changefeed, the event stream and RabbitMQ.",
            }
        );
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        foreach (var type in EventSchemas.Types.Keys)
        {
            document.Webhooks[type] = Delivery(type, document);
        }
    }

    /// <summary>
    /// The changefeed's (and the event stream's) item as a union discriminated by <c>type</c>: one variant per event
    /// type (<c>ConversationAssignedFeedItem</c>, …) whose <c>type</c> is that type and whose <c>data</c> is its body,
    /// so that a generated client narrows <c>data</c> by checking <c>type</c>.
    /// </summary>
    private static void DiscriminateByType(
        OpenApiSchema item,
        IDictionary<string, IOpenApiSchema> schemas,
        OpenApiDocument document
    )
    {
        var mapping = new Dictionary<string, OpenApiSchemaReference>(StringComparer.Ordinal);
        foreach (var type in EventTypes())
        {
            var name = ComponentOf(type)[..^"Event".Length] + FeedItem;
            var properties = new Dictionary<string, IOpenApiSchema>(item.Properties!)
            {
                ["type"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Const = type,
                    Description = "The event type; `data` follows its schema.",
                },
                ["data"] = new OpenApiSchemaReference(ComponentOf(type), document)
                {
                    Description = $"The event's body: `{ComponentOf(type)}`.",
                },
            };
            schemas[name] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = $"A `{type}` event on the changefeed.",
                Required = item.Required,
                Properties = properties,
            };
            mapping[type] = new OpenApiSchemaReference(name, document);
        }

        schemas[FeedItem] = new OpenApiSchema
        {
            Description = item.Description,
            OneOf = [.. mapping.Values],
            Discriminator = new OpenApiDiscriminator { PropertyName = "type", Mapping = mapping },
        };
    }

    /// <summary>The log's event types, the most common first: generated examples show it.</summary>
    private static IEnumerable<string> EventTypes() =>
        EventTypeRegistry
            .Names.OrderBy(t => t != Contracts.EventTypes.EngagementReceived)
            .ThenBy(t => t, StringComparer.Ordinal);

    private static OpenApiSchema Parse(JsonObject schema, OpenApiDocument document) =>
        OpenApiModelFactory.Parse<OpenApiSchema>(
            schema.ToJsonString(),
            OpenApiSpecVersion.OpenApi3_1,
            document,
            out _,
            OpenApiConstants.Json
        ) ?? throw new InvalidOperationException($"The schema of {schema["title"]} does not parse.");

    private static OpenApiSchema AnyEvent(OpenApiDocument document) =>
        new()
        {
            Description =
                "The event's body: the schema of the item's `type` (`conversation.assigned` → "
                + "`ConversationAssignedEvent`).",
            AnyOf = EventTypes()
                .Select(t => (IOpenApiSchema)new OpenApiSchemaReference(ComponentOf(t), document))
                .ToList(),
        };

    private static OpenApiSchema Envelope() =>
        new()
        {
            Type = JsonSchemaType.Object,
            Description =
                "The CloudEvents 1.0 JSON envelope of every webhook delivery. Dedupe on `id`; order on `sequence`.",
            Required = new HashSet<string>(
                [
                    "specversion",
                    "id",
                    "type",
                    "source",
                    "subject",
                    "time",
                    "datacontenttype",
                    "dataschema",
                    "sequence",
                    "data",
                ],
                StringComparer.Ordinal
            ),
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["specversion"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Const = "1.0",
                    Description = "The CloudEvents version.",
                },
                ["id"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Format = "uuid",
                    Description = "The event's id: also `webhook-id` and `data.eventId`. Dedupe on it.",
                },
                ["type"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Description = "The event type (`conversation.assigned`); `data` follows its schema.",
                },
                ["source"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Format = "uri-reference",
                    Description = "`/v1/workspaces/{workspaceId}`.",
                },
                ["subject"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String | JsonSchemaType.Null,
                    Description = "The subscription for webhook events, else the conversation, else the customer.",
                },
                ["time"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Format = "date-time",
                    Description = "When the hub recorded the event.",
                },
                ["datacontenttype"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Const = "application/json",
                    Description = "`data` is JSON.",
                },
                ["dataschema"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Format = "uri",
                    Description = "The `$id` of `data`'s JSON Schema (contracts/schemas/<type>.json).",
                },
                ["sequence"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Pattern = $"^[0-9]{{{CloudEvents.SequenceWidth}}}$",
                    Description =
                        "The global sequence as the CloudEvents sequence extension has it: a string that sorts "
                        + $"lexicographically, the number zero-padded to {CloudEvents.SequenceWidth} digits.",
                },
                ["traceparent"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Pattern = "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
                    Description =
                        "The CloudEvents distributed tracing extension: the W3C trace context the event was appended "
                        + "in (absent when it was appended outside a trace). The request's own `traceparent` header "
                        + "is this attempt's span, in the same trace.",
                },
                ["tracestate"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Description = "The W3C tracestate that goes with `traceparent`, when there is one.",
                },
                ["data"] = new OpenApiSchema { Description = "The event's body: the schema of `type`." },
            },
        };

    private static OpenApiPathItem Delivery(string type, OpenApiDocument document)
    {
        var body = EventSchemas.For(type);
        var data = body["examples"]![0]!;
        var test = type == WebhookTest.Type;
        // The envelope agrees with its body: the same id, workspace, subject and sequence (a test has none).
        var example = CloudEvents.Envelope(
            test ? TestEventId : Guid.Parse(data["eventId"]!.GetValue<string>()),
            type,
            test
                ? Guid.Parse("0193a5e2-0000-7b7e-9a51-3f1c2d4e5f60")
                : Guid.Parse(data["workspaceId"]!.GetValue<string>()),
            (data["conversationId"] ?? data["customerId"] ?? data["subscriptionId"])?.GetValue<string>(),
            new DateTimeOffset(2026, 12, 1, 9, 30, 0, TimeSpan.Zero),
            test ? 0 : long.Parse(data["sequence"]!.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture),
            data.DeepClone()
        );
        return new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Post] = new()
                {
                    OperationId = "on" + ComponentOf(type)[..^"Event".Length],
                    Summary = $"`{type}`: {SchemaRulesFilter.OneLine(body["description"]?.GetValue<string>())}",
                    Description = test
                        ? "Sent only to the subscription named in `POST /v1/subscriptions/{id}/test`, signed and "
                            + "retried like any delivery; never in the event log, on the changefeed or on the bus."
                        : "Delivered to every enabled subscription whose event types and filters match, at least "
                            + "once, signed (Standard Webhooks) and retried on the schedule until a 2xx answer.",
                    Tags = new HashSet<OpenApiTagReference> { new(Tag, document) },
                    Security = [new OpenApiSecurityRequirement { [new(SignatureScheme, document)] = [] }],
                    Parameters =
                    [
                        Header("webhook-id", "The event id, the same on every attempt: dedupe on it."),
                        Header("webhook-timestamp", "Unix seconds of this attempt; refuse one too far from now."),
                        Header("webhook-signature", "`v1,<base64 signature>`, space-separated during a rotation."),
                        Header(
                            "traceparent",
                            "W3C Trace Context of this attempt's span, in the trace of the envelope's `traceparent`.",
                            required: false
                        ),
                    ],
                    RequestBody = new OpenApiRequestBody
                    {
                        Required = true,
                        Content = new Dictionary<string, OpenApiMediaType>
                        {
                            ["application/cloudevents+json"] = new()
                            {
                                Schema = new OpenApiSchema
                                {
                                    AllOf =
                                    [
                                        new OpenApiSchemaReference(EnvelopeSchema, document),
                                        new OpenApiSchema
                                        {
                                            Required = new HashSet<string>(
                                                ["type", "dataschema", "data"],
                                                StringComparer.Ordinal
                                            ),
                                            Properties = new Dictionary<string, IOpenApiSchema>
                                            {
                                                ["type"] = new OpenApiSchema { Const = type },
                                                ["dataschema"] = new OpenApiSchema { Const = EventSchemas.IdOf(type) },
                                                ["data"] = new OpenApiSchemaReference(ComponentOf(type), document),
                                            },
                                        },
                                    ],
                                },
                                Example = JsonNode.Parse(example),
                            },
                        },
                    },
                    Responses = new OpenApiResponses
                    {
                        ["2XX"] = new OpenApiResponse { Description = "Received: the delivery is done." },
                        ["4XX"] = new OpenApiResponse
                        {
                            Description =
                                "Refused: retried on the schedule; 429 is retried no sooner than its `Retry-After`, and 410 "
                                + "Gone disables the subscription. Redirects (3xx) are not followed and count as "
                                + "failures.",
                        },
                        ["5XX"] = new OpenApiResponse
                        {
                            Description = "Failed: retried on the schedule (502, 503 and 504 honour `Retry-After`).",
                        },
                    },
                },
            },
        };
    }

    private static OpenApiParameter Header(string name, string description, bool required = true) =>
        new()
        {
            Name = name,
            In = ParameterLocation.Header,
            Required = required,
            Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        };
}
