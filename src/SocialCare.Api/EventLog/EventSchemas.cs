using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Xml.Linq;
using SocialCare.Api.Infrastructure.OpenApi;
using SocialCare.Contracts;

namespace SocialCare.Api.EventLog;

/// <summary>
/// The JSON Schema of every event body a department receives (contracts/schemas/&lt;type&gt;.json, the OpenAPI
/// document's components, the AsyncAPI messages), made from the contract records so that it cannot drift from what
/// the hub writes. Strict: every field is listed as required (the hub writes every field, null where there is no
/// value), numbers are numbers, closed sets are enums, each field is described (the contracts' XML comments, else
/// <see cref="FieldDescriptions"/>), and each schema carries an example. New fields may appear in a minor version, so
/// the schemas do not forbid unknown ones.
/// </summary>
public static class EventSchemas
{
    /// <summary>The <c>$id</c> of a type's schema, and the CloudEvents <c>dataschema</c> of its deliveries.</summary>
    public static string IdOf(string type) => $"urn:socialcare:schema:event:{type}:v1";

    /// <summary>Every type a department can receive: the event log's, and <c>webhook.test</c>.</summary>
    public static IReadOnlyDictionary<string, Type> Types { get; } =
        EventTypeRegistry
            .All.Append(new KeyValuePair<string, Type>(WebhookTest.Type, typeof(WebhookTest)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static readonly JsonSerializerOptions Strict = new(EventTypeRegistry.Json)
    {
        NumberHandling = JsonNumberHandling.Strict,
    };

    private static readonly Lazy<Dictionary<string, string>> Docs = new(ReadDocs);

    public static JsonObject For(string type)
    {
        var schema = Strict
            .GetJsonSchemaAsNode(
                Types[type],
                new JsonSchemaExporterOptions
                {
                    TreatNullObliviousAsNonNullable = true,
                    TransformSchemaNode = Transform,
                }
            )
            .AsObject();
        schema.Insert(0, "$schema", "https://json-schema.org/draft/2020-12/schema");
        schema.Insert(1, "$id", IdOf(type));
        schema.Insert(2, "title", type);
        Inline(schema, schema);
        schema["examples"] = new JsonArray(SchemaExamples.Build(schema, _ => null, scope: Types[type].Name));
        return schema;
    }

    /// <summary>
    /// Replaces each local <c>$ref</c> (the exporter refers to a type's schema where it first wrote it, as
    /// <c>#/properties/…</c>) by a copy of what it points at, so that every schema stands alone: placed under the
    /// OpenAPI document's components, a pointer into its own root would point nowhere. The contracts' types do not
    /// refer to themselves, so this ends.
    /// </summary>
    private static void Inline(JsonNode node, JsonObject root)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o.ToList())
                {
                    o[name] = Resolved(child, root);
                    if (o[name] is { } replaced)
                    {
                        Inline(replaced, root);
                    }
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    a[i] = Resolved(a[i], root);
                    if (a[i] is { } replaced)
                    {
                        Inline(replaced, root);
                    }
                }

                break;
        }
    }

    /// <summary>A copy of what <paramref name="node"/> refers to (with its own keywords, a description, kept), when it
    /// is a local <c>$ref</c>; otherwise <paramref name="node"/>, detached.</summary>
    private static JsonNode? Resolved(JsonNode? node, JsonObject root)
    {
        if (
            node is JsonObject reference
            && reference["$ref"] is JsonValue target
            && target.GetValue<string>().StartsWith("#/", StringComparison.Ordinal)
            && Pointed(root, target.GetValue<string>()) is JsonObject pointed
        )
        {
            var copy = pointed.DeepClone().AsObject();
            foreach (var (key, value) in reference.Where(p => p.Key != "$ref"))
            {
                copy[key] = value?.DeepClone();
            }

            return copy;
        }

        return node?.DeepClone();
    }

    /// <summary>The part of <paramref name="schema"/> a local <c>$ref</c> (<c>#/properties/…</c>) points at: the
    /// exporter refers to a type's schema where it first wrote it.</summary>
    private static JsonNode? Pointed(JsonObject schema, string pointer)
    {
        JsonNode? node = schema;
        foreach (var part in pointer.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            node = node switch
            {
                JsonObject o => o[name],
                JsonArray a when int.TryParse(name, out var i) && i < a.Count => a[i],
                _ => null,
            };
        }

        return node;
    }

    private static JsonNode Transform(JsonSchemaExporterContext context, JsonNode node)
    {
        // `true` (any JSON: a source's free-form metadata) becomes `{}`, which means the same and can be described.
        if (node is not JsonObject schema)
        {
            if (context.PropertyInfo is null)
            {
                return node;
            }

            schema = [];
        }

        if (context.PropertyInfo is null && context.TypeInfo.Kind == JsonTypeInfoKind.Object)
        {
            if (schema["properties"] is JsonObject properties)
            {
                schema["required"] = new JsonArray(properties.Select(p => (JsonNode)p.Key).ToArray());
            }

            if (DocOf(context.TypeInfo.Type) is { } summary && context.TypeInfo.Type != typeof(EventActor))
            {
                schema["description"] = summary;
            }
        }

        if (context.PropertyInfo is { } property)
        {
            var declaring = property.DeclaringType;
            var text =
                DocOf(property.AttributeProvider as MemberInfo, declaring, property.Name)
                ?? FieldDescriptions.Of(declaring.Name, property.Name);
            if (text is not null)
            {
                schema["description"] = text;
            }

            var known =
                property.AttributeProvider?.GetCustomAttributes(typeof(KnownValuesAttribute), true).FirstOrDefault()
                    as KnownValuesAttribute
                ?? KnownOfParameter(declaring, property.Name);
            if (known is not null)
            {
                var nullable = schema["type"] is JsonArray types && types.Any(t => t?.GetValue<string>() == "null");
                var values = new JsonArray(known.Values.Select(v => (JsonNode)v).ToArray());
                if (nullable)
                {
                    values.Add(null);
                }

                schema["enum"] = values;
            }

            if (PiiFields.Of(property.AttributeProvider as MemberInfo, declaring, property.Name) is { } pii)
            {
                // Redacted for a subscriber or reader that may not see it, and gone once the customer is erased.
                schema["x-pii"] = pii;
                if (schema["type"] is JsonValue single)
                {
                    schema["type"] = new JsonArray(single.GetValue<string>(), "null");
                }
            }

            if (property.Name == "sequence")
            {
                schema["minimum"] = 0;
            }
        }

        return schema;
    }

    private static KnownValuesAttribute? KnownOfParameter(Type declaring, string jsonName) =>
        declaring
            .GetConstructors()
            .SelectMany(c => c.GetParameters())
            .FirstOrDefault(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name ?? "") == jsonName)
            ?.GetCustomAttribute<KnownValuesAttribute>();

    private static string? DocOf(Type type) => Docs.Value.GetValueOrDefault($"T:{type.FullName}");

    /// <summary>A property's summary, or for a positional record the type's <c>param</c> of that name.</summary>
    private static string? DocOf(MemberInfo? member, Type declaring, string jsonName) =>
        (member is not null ? Docs.Value.GetValueOrDefault($"P:{member.DeclaringType?.FullName}.{member.Name}") : null)
        ?? Docs.Value.GetValueOrDefault($"T:{declaring.FullName}#{jsonName}");

    /// <summary>The contracts' XML documentation, built beside the assembly (GenerateDocumentationFile).</summary>
    private static Dictionary<string, string> ReadDocs()
    {
        var docs = new Dictionary<string, string>(StringComparer.Ordinal);
        var path = Path.ChangeExtension(typeof(HubEvent).Assembly.Location, ".xml");
        if (!File.Exists(path))
        {
            return docs;
        }

        foreach (var member in XDocument.Load(path).Descendants("member"))
        {
            var name = member.Attribute("name")?.Value ?? "";
            if (member.Element("summary") is { } summary)
            {
                docs[name] = Text(summary);
            }

            foreach (var parameter in member.Elements("param"))
            {
                docs[$"{name}#{JsonNamingPolicy.CamelCase.ConvertName(parameter.Attribute("name")?.Value ?? "")}"] =
                    Text(parameter);
            }
        }

        return docs;
    }

    /// <summary>An XML comment as one line of text, its <c>c</c> and <c>see</c> elements as code.</summary>
    private static string Text(XElement element) =>
        SchemaRulesFilter.OneLine(
            string.Concat(
                element
                    .Nodes()
                    .Select(n =>
                        n switch
                        {
                            XText text => text.Value,
                            XElement { Name.LocalName: "c" } code => $"`{code.Value}`",
                            XElement see => $"`{ShortName(see.Attribute("cref")?.Value ?? see.Value)}`",
                            _ => "",
                        }
                    )
            )
        ) ?? "";

    private static string ShortName(string cref) =>
        JsonNamingPolicy.CamelCase.ConvertName(cref[(cref.LastIndexOf('.') + 1)..]);
}
