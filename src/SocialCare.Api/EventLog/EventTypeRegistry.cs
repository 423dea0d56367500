using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using SocialCare.Contracts;

namespace SocialCare.Api.EventLog;

/// <summary>
/// Stable string names ↔ contract types. Stored events carry the name, never the CLR type name, so that types can move
/// or be renamed without orphaning history.
/// </summary>
public static class EventTypeRegistry
{
    public static JsonSerializerOptions Json { get; } =
        new(JsonSerializerDefaults.Web)
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
        };

    private static readonly Dictionary<string, Type> ByName = typeof(HubEvent)
        .Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(HubEvent)) && !t.IsAbstract)
        .ToDictionary(
            t =>
                t.GetCustomAttribute<EventTypeAttribute>()?.Name
                ?? throw new InvalidOperationException($"{t.Name} lacks [EventType]"),
            StringComparer.Ordinal
        );

    private static readonly Dictionary<Type, string> ByType = ByName.ToDictionary(p => p.Value, p => p.Key);

    public static IReadOnlyCollection<string> Names => ByName.Keys;

    public static IReadOnlyDictionary<string, Type> All => ByName;

    public static string NameOf(HubEvent e) => NameOf(e.GetType());

    public static string NameOf(Type type) =>
        ByType.TryGetValue(type, out var name)
            ? name
            : throw new InvalidOperationException($"{type.Name} is not a registered event type.");

    public static bool TryGetType(string name, out Type type) => ByName.TryGetValue(name, out type!);

    public static HubEvent Deserialize(string name, string json) =>
        TryGetType(name, out var type)
            ? (HubEvent)(JsonSerializer.Deserialize(json, type, Json) ?? throw new JsonException("null event body"))
            : throw new InvalidOperationException($"Unknown event type '{name}'.");

    public static string Serialize(HubEvent e) => JsonSerializer.Serialize(e, e.GetType(), Json);
}
