using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using SocialCare.Api.EventLog;

namespace SocialCare.Api.Privacy;

/// <summary>
/// Applies a <see cref="PiiView"/> to an event's JSON body, field by field as the contract's <c>[Pii]</c> declarations
/// say (<see cref="PiiFields"/>): the webhook payloads of a pseudonymous or anonymous subscription, the changefeed and
/// stream of a key without <c>pii:read</c>, and the log itself when a customer is erased. A field the body does not
/// hold is left out, never added.
/// </summary>
public static class EventRedaction
{
    private static readonly ConcurrentDictionary<Type, (string[] Path, string Category)[]> Fields = new();

    /// <summary>Whether an event of this type holds personal data at all.</summary>
    public static bool HasPii(Type contract) => FieldsOf(contract).Length > 0;

    /// <summary>Applies the view to every personal field of the body, or with <paramref name="field"/> only to those
    /// whose name it accepts (retention removes text and attachments separately).</summary>
    public static void Apply(JsonObject data, Type contract, PiiView view, Func<string, bool>? field = null)
    {
        foreach (var (path, category) in FieldsOf(contract))
        {
            if (field is null || field(path[^1]))
            {
                Apply(data, path, 0, category, view);
            }
        }
    }

    /// <summary>A webhook payload (CloudEvents envelope, the body under <c>data</c>) as the view shows it, marked with
    /// the <c>pii</c> extension attribute.</summary>
    public static string Envelope(string payload, PiiView view) => Envelope(payload, view, marked: true, null);

    /// <summary>A stored webhook payload with its personal fields (those <paramref name="field"/> accepts) null, as
    /// erasure and retention leave it: the event as it now is in the log, unmarked.</summary>
    public static string Erase(string payload, Func<string, bool>? field) =>
        Envelope(payload, PiiView.Nothing, marked: false, field);

    private static string Envelope(string payload, PiiView view, bool marked, Func<string, bool>? field)
    {
        var envelope = JsonNode.Parse(payload)!.AsObject();
        if (
            envelope["type"]?.GetValue<string>() is { } type
            && EventSchemas.Types.TryGetValue(type, out var contract)
            && envelope["data"] is JsonObject data
        )
        {
            Apply(data, contract, view, field);
        }

        if (marked)
        {
            envelope["pii"] = view.Mode;
        }

        return envelope.ToJsonString(EventTypeRegistry.Json);
    }

    private static (string[] Path, string Category)[] FieldsOf(Type contract) =>
        Fields.GetOrAdd(contract, t => [.. PiiFields.Paths(t).Select(f => (f.Path.Split('.'), f.Category))]);

    private static void Apply(JsonNode? node, string[] path, int depth, string category, PiiView view)
    {
        switch (node)
        {
            case JsonArray items:
                foreach (var item in items)
                {
                    Apply(item, path, depth, category, view);
                }

                break;
            case JsonObject fields when fields.TryGetPropertyValue(path[depth], out var value):
                if (depth == path.Length - 1)
                {
                    fields[path[depth]] = view.Apply(category, value);
                }
                else
                {
                    Apply(value, path, depth + 1, category, view);
                }

                break;
        }
    }
}
