using System.Globalization;
using System.Text.Json.Nodes;

namespace SocialCare.Api.Tests.Abuse;

/// <summary>A member of a request body wherever it sits: its path from the root (member names, and 0 for an array's
/// first item).</summary>
public sealed record BodyMember(IReadOnlyList<object> Path, JsonObject Schema)
{
    public string? Type => RequestBodies.TypeOf(Schema).Type;

    /// <summary>Null allowed: by the schema's type, or as <see cref="ServedOperations"/> read it from the bound CLR
    /// type for a <c>$ref</c> member.</summary>
    public bool Nullable => RequestBodies.TypeOf(Schema).Nullable || Schema["nullable"]?.GetValue<bool>() == true;

    /// <summary>Any JSON (a JsonElement) or a dictionary of any JSON: settings, context values, metadata.</summary>
    public bool FreeForm => Type is null or "object" && Schema["properties"] is null;

    /// <summary>A member the body may leave out or set to null: declared nullable, or free-form JSON.</summary>
    public bool Optional => Nullable || (FreeForm && Type is null);

    public override string ToString() => "$" + string.Concat(Path.Select(p => p is int i ? $"[{i}]" : $".{p}"));
}

/// <summary>Plausible request bodies built from an operation's schema, and copies of them with one member
/// changed.</summary>
public static class RequestBodies
{
    /// <summary>
    /// A body every member of which holds a value of its type: <paramref name="hint"/>'s value for a member name it
    /// knows, else a plain one. Optional members are left out unless hinted, so that one-of rules hold.
    /// </summary>
    public static JsonNode Example(JsonObject schema, Func<string, JsonNode?> hint, string name = "")
    {
        if (name.Length > 0 && hint(name) is { } hinted)
        {
            return hinted;
        }

        return (TypeOf(schema).Type, schema["format"]?.GetValue<string>()) switch
        {
            ("object", _) when schema["properties"] is JsonObject properties => new JsonObject(
                properties
                    .Where(p =>
                        new BodyMember([p.Key], p.Value!.AsObject()) is { Optional: false } || hint(p.Key) is not null
                    )
                    .Select(p => KeyValuePair.Create(p.Key, (JsonNode?)Example(p.Value!.AsObject(), hint, p.Key)))
            ),
            ("array", _) => new JsonArray(Example(schema["items"]?.AsObject() ?? [], hint)),
            ("string", "uuid") => Guid.NewGuid().ToString(),
            ("string", "date-time") => DateTimeOffset.UtcNow.AddSeconds(-1).ToString("O", CultureInfo.InvariantCulture),
            ("string", _) => "abuse",
            ("integer", _) => 1,
            ("number", _) => 1.5,
            ("boolean", _) => false,
            _ => new JsonObject { ["segment"] = "gold" },
        };
    }

    /// <summary>A schema's type, and whether it allows null: OpenAPI 3.1 writes a nullable string as
    /// <c>"type": ["null", "string"]</c>.</summary>
    public static (string? Type, bool Nullable) TypeOf(JsonObject schema) =>
        schema["type"] switch
        {
            JsonArray types => (
                types.Select(t => t!.GetValue<string>()).FirstOrDefault(t => t != "null"),
                types.Any(t => t!.GetValue<string>() == "null")
            ),
            JsonValue type => (type.GetValue<string>(), false),
            _ => (null, false),
        };

    /// <summary>Every member of the schema, nested objects' and the first array item's members included.</summary>
    public static IEnumerable<BodyMember> Members(JsonObject schema) => Members(schema, []);

    private static IEnumerable<BodyMember> Members(JsonObject schema, IReadOnlyList<object> at)
    {
        if (schema["items"] is JsonObject items && at.Count > 0)
        {
            foreach (var member in Members(items, [.. at, 0]))
            {
                yield return member;
            }
        }

        if (schema["properties"] is not JsonObject properties || at.Count > 6)
        {
            yield break;
        }

        foreach (var (name, property) in properties)
        {
            var member = new BodyMember([.. at, name], property!.AsObject());
            yield return member;
            foreach (var nested in Members(member.Schema, member.Path))
            {
                yield return nested;
            }
        }
    }

    /// <summary>A copy of <paramref name="body"/> with <paramref name="member"/> set to <paramref name="value"/>;
    /// missing parents are made empty.</summary>
    public static JsonNode With(JsonNode body, BodyMember member, JsonNode? value)
    {
        var copy = body.DeepClone();
        var parent = Parent(copy, member);
        if (member.Path[^1] is string name)
        {
            parent[name] = value;
        }
        else
        {
            Add(parent.AsArray(), value);
        }

        return copy;
    }

    /// <summary>A copy of <paramref name="body"/> without <paramref name="member"/>.</summary>
    public static JsonNode Without(JsonNode body, BodyMember member)
    {
        var copy = body.DeepClone();
        if (member.Path[^1] is string name)
        {
            Parent(copy, member).AsObject().Remove(name);
        }

        return copy;
    }

    private static JsonNode Parent(JsonNode root, BodyMember member)
    {
        var node = root;
        for (var i = 0; i < member.Path.Count - 1; i++)
        {
            var container = member.Path[i + 1] is int ? (JsonNode)new JsonArray() : new JsonObject();
            node = member.Path[i] switch
            {
                string name when node[name] is { } child => child,
                string name => node[name] = container,
                int when node.AsArray().Count > 0 && node[0] is { } first => first,
                _ => Add(node.AsArray(), container)!,
            };
        }

        return node;
    }

    private static JsonNode? Add(JsonArray array, JsonNode? item)
    {
        array.Clear();
        array.Add(item);
        return item;
    }
}
