using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SocialCare.Api.Conversations;
using SocialCare.Contracts;

namespace SocialCare.Api.Workflow.Rules;

/// <summary>What a field holds, and so which operators it takes.</summary>
public enum FieldKind
{
    Text,
    Number,
    Flag,
    List,

    /// <summary>Whatever the engagement's metadata or a department's context put there.</summary>
    Any,
}

/// <summary>The engagement a rule looks at: the one that triggered it, or the conversation's latest.</summary>
public sealed record EngagementFacts(
    Guid ChannelId,
    string ChannelType,
    string Visibility,
    string? Language,
    string? Text,
    EngagementAuthor Author,
    JsonElement? Metadata
);

/// <summary>Everything a rule's conditions can look at, at the moment of its trigger.</summary>
public sealed record RuleFacts(
    ConversationState Conversation,
    EngagementFacts? Engagement,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, JsonElement>> Context,
    bool WithinBusinessHours,
    int Episode
);

/// <summary>How one condition came out: whether it held, what the field held, and why not when it could not
/// tell.</summary>
public sealed record ConditionResult(RuleCondition Condition, bool Passed, JsonElement? Actual, string? Note);

/// <summary>
/// The fields rule conditions read and how each operator compares: one catalogue, used to validate a rule when it is
/// saved and to evaluate it when it runs. Text compares ignoring case; <c>matches</c> runs .NET's non-backtracking
/// engine (time linear in the text); a field that is missing holds for
/// <c>neq</c>, <c>notIn</c> and <c>notContains</c> only (and <c>exists: false</c>).
/// </summary>
public static class RuleFields
{
    public const string MetadataPrefix = "metadata.";
    public const string ContextPrefix = "customer.context.";

    /// <summary>How long a <c>matches</c> may run before it counts as not matching.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(50);

    public static IReadOnlyDictionary<string, FieldKind> Known { get; } =
        new Dictionary<string, FieldKind>(StringComparer.Ordinal)
        {
            ["brand"] = FieldKind.Text,
            ["channel.type"] = FieldKind.Text,
            ["channel.id"] = FieldKind.Text,
            ["visibility"] = FieldKind.Text,
            ["language"] = FieldKind.Text,
            ["text"] = FieldKind.Text,
            ["author.id"] = FieldKind.Text,
            ["author.name"] = FieldKind.Text,
            ["author.handle"] = FieldKind.Text,
            ["author.followers"] = FieldKind.Number,
            ["conversation.status"] = FieldKind.Text,
            ["conversation.priority"] = FieldKind.Text,
            ["conversation.team"] = FieldKind.Text,
            ["conversation.agent"] = FieldKind.Text,
            ["conversation.tags"] = FieldKind.List,
            ["conversation.links.system"] = FieldKind.List,
            ["conversation.episode"] = FieldKind.Number,
            ["withinBusinessHours"] = FieldKind.Flag,
        };

    private static readonly Dictionary<FieldKind, string[]> Operators = new()
    {
        [FieldKind.Text] = ["eq", "neq", "in", "notIn", "contains", "containsAny", "notContains", "matches", "exists"],
        [FieldKind.Number] = ["eq", "neq", "in", "notIn", "gt", "gte", "lt", "lte", "exists"],
        [FieldKind.Flag] = ["eq", "neq", "exists"],
        [FieldKind.List] = ["contains", "containsAny", "notContains", "exists"],
        [FieldKind.Any] = [.. RuleOperators.All],
    };

    private static readonly ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    /// <summary>The kind of <paramref name="field"/>; null when rules cannot read it.</summary>
    public static FieldKind? KindOf(string field) =>
        Known.TryGetValue(field, out var kind) ? kind
        : field.StartsWith(MetadataPrefix, StringComparison.Ordinal) && Path(field[MetadataPrefix.Length..]) is not null
            ? FieldKind.Any
        : field.StartsWith(ContextPrefix, StringComparison.Ordinal)
        && Path(field[ContextPrefix.Length..]) is { Length: >= 2 }
            ? FieldKind.Any
        : null;

    /// <summary>Why <paramref name="condition"/> cannot be evaluated; null when it can.</summary>
    public static string? Problem(RuleCondition condition)
    {
        if (KindOf(condition.Field) is not { } kind)
        {
            return $"'{condition.Field}' is not a field rules read (docs/workflow.md lists them).";
        }

        if (!Operators[kind].Contains(condition.Op, StringComparer.Ordinal))
        {
            return $"'{condition.Op}' does not apply to '{condition.Field}'; use one of {string.Join(", ", Operators[kind])}.";
        }

        var value = condition.Value;
        return condition.Op switch
        {
            "exists" when value.ValueKind is not (JsonValueKind.True or JsonValueKind.False) =>
                "'exists' takes true or false.",
            "in"
            or "notIn"
            or "containsAny"
                when value.ValueKind != JsonValueKind.Array
                    || value.GetArrayLength() is 0 or > 100
                    || value.EnumerateArray().Any(v => !IsScalar(v)) =>
                $"'{condition.Op}' takes a list of 1 to 100 strings or numbers.",
            "matches" when value.ValueKind != JsonValueKind.String || value.GetString()!.Length > 500 =>
                "'matches' takes a regular expression of up to 500 characters.",
            "matches" when !Compiles(value.GetString()!) =>
                "The regular expression does not compile, or uses backreferences or lookarounds, which the hub's "
                    + "linear-time engine does not run.",
            "gt" or "gte" or "lt" or "lte" when value.ValueKind != JsonValueKind.Number =>
                $"'{condition.Op}' takes a number.",
            "eq" or "neq" or "contains" or "notContains" when !IsScalar(value) =>
                $"'{condition.Op}' takes a string, number or boolean.",
            "eq" or "neq" when kind == FieldKind.Number && value.ValueKind != JsonValueKind.Number =>
                $"'{condition.Field}' is a number.",
            "eq"
            or "neq"
                when kind == FieldKind.Flag && value.ValueKind is not (JsonValueKind.True or JsonValueKind.False) =>
                $"'{condition.Field}' is true or false.",
            _ when value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 1000 =>
                "A value is at most 1,000 characters.",
            _ => null,
        };
    }

    public static ConditionResult Evaluate(RuleCondition condition, RuleFacts facts)
    {
        var actual = Read(condition.Field, facts);
        try
        {
            return new ConditionResult(condition, Holds(condition.Op, actual, condition.Value), actual, null);
        }
        catch (RegexMatchTimeoutException)
        {
            return new ConditionResult(condition, false, actual, "The regular expression took too long; no match.");
        }
    }

    /// <summary>What <paramref name="field"/> holds for <paramref name="facts"/>, as JSON; null when it is
    /// missing.</summary>
    public static JsonElement? Read(string field, RuleFacts facts)
    {
        var c = facts.Conversation;
        var e = facts.Engagement;
        object? value = field switch
        {
            "brand" => c.Brand,
            "channel.type" => e?.ChannelType ?? c.CurrentChannelType,
            "channel.id" => (e?.ChannelId ?? c.CurrentChannelId).ToString(),
            "visibility" => e?.Visibility,
            "language" => e?.Language,
            "text" => e?.Text,
            "author.id" => e?.Author.PlatformUserId,
            "author.name" => e?.Author.DisplayName,
            "author.handle" => e?.Author.Handle,
            "author.followers" => At(e?.Metadata, ["author", "followers"]),
            "conversation.status" => c.Status,
            "conversation.priority" => c.Priority,
            "conversation.team" => c.Team,
            "conversation.agent" => c.Agent,
            "conversation.tags" => c.Tags,
            "conversation.links.system" => c.Links.Select(l => l.Split('|')[0]).Distinct().Order().ToList(),
            "conversation.episode" => facts.Episode,
            "withinBusinessHours" => facts.WithinBusinessHours,
            _ when field.StartsWith(MetadataPrefix, StringComparison.Ordinal) => At(
                e?.Metadata,
                Path(field[MetadataPrefix.Length..])!
            ),
            _ when field.StartsWith(ContextPrefix, StringComparison.Ordinal) => Context(
                facts,
                Path(field[ContextPrefix.Length..])!
            ),
            _ => null,
        };
        return value switch
        {
            null => null,
            JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
            JsonElement json => json,
            _ => JsonSerializer.SerializeToElement(value, value.GetType(), EventLog.EventTypeRegistry.Json),
        };
    }

    private static bool Holds(string op, JsonElement? actual, JsonElement value)
    {
        if (op == "exists")
        {
            return actual is not null == value.GetBoolean();
        }

        if (actual is not { } a)
        {
            return op is "neq" or "notIn" or "notContains";
        }

        var items = a.ValueKind == JsonValueKind.Array ? a.EnumerateArray().ToList() : null;
        return op switch
        {
            "eq" => Same(a, value),
            "neq" => !Same(a, value),
            "in" => value.EnumerateArray().Any(v => Same(a, v)),
            "notIn" => !value.EnumerateArray().Any(v => Same(a, v)),
            "contains" => Contains(a, items, value),
            "notContains" => !Contains(a, items, value),
            "containsAny" => value.EnumerateArray().Any(v => Contains(a, items, v)),
            "matches" => Text(a) is { } text && Pattern(value.GetString()!).IsMatch(text),
            "gt" => Number(a) > value.GetDouble(),
            "gte" => Number(a) >= value.GetDouble(),
            "lt" => Number(a) < value.GetDouble(),
            "lte" => Number(a) <= value.GetDouble(),
            _ => false,
        };
    }

    private static bool Contains(JsonElement actual, List<JsonElement>? items, JsonElement value) =>
        items is not null
            ? items.Any(i => Same(i, value))
            : Text(actual) is { } text
                && Text(value) is { } part
                && text.Contains(part, StringComparison.OrdinalIgnoreCase);

    private static bool Same(JsonElement a, JsonElement b) =>
        (Number(a), Number(b)) is ({ } x, { } y) ? x.Equals(y)
        : a.ValueKind is JsonValueKind.True or JsonValueKind.False ? a.ValueKind == b.ValueKind
        : Text(a) is { } s && Text(b) is { } t && string.Equals(s, t, StringComparison.OrdinalIgnoreCase);

    private static string? Text(JsonElement e) =>
        e.ValueKind switch
        {
            JsonValueKind.String => e.GetString(),
            JsonValueKind.Number => e.GetRawText(),
            _ => null,
        };

    private static double? Number(JsonElement e) =>
        e.ValueKind switch
        {
            JsonValueKind.Number => e.GetDouble(),
            JsonValueKind.String
                when double.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => null,
        };

    private static bool IsScalar(JsonElement e) =>
        e.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False;

    private static bool Compiles(string pattern)
    {
        try
        {
            Pattern(pattern);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            // NotSupportedException: a construct the linear-time engine does not have (backreferences, lookarounds).
            return false;
        }
    }

    private static Regex Pattern(string pattern)
    {
        if (Patterns.Count > 10_000)
        {
            Patterns.Clear();
        }

        return Patterns.GetOrAdd(
            pattern,
            // The non-backtracking engine runs in time linear in the text whatever the pattern, so no rule can make the
            // processor's pass crawl; the timeout stays as the last guard.
            p => new Regex(
                p,
                RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking,
                RegexTimeout
            )
        );
    }

    /// <summary>The segments of a dotted path; null when one is empty.</summary>
    private static string[]? Path(string path)
    {
        var parts = path.Split('.');
        return parts.Length is > 0 and <= 10 && parts.All(p => p.Length > 0) ? parts : null;
    }

    private static JsonElement? At(JsonElement? root, string[] path)
    {
        if (root is not { ValueKind: JsonValueKind.Object } node)
        {
            return null;
        }

        foreach (var part in path)
        {
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(part, out node))
            {
                return null;
            }
        }

        return node;
    }

    private static JsonElement? Context(RuleFacts facts, string[] path) =>
        facts.Context.TryGetValue(path[0], out var values) && values.TryGetValue(path[1], out var value)
            ? path.Length == 2
                ? value
                : At(value, path[2..])
            : null;
}
