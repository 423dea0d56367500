using System.Text.Json;

namespace SocialCare.Contracts;

/// <summary>
/// A department's facts about the customer in this conversation (lifetime value, segment …), kept under
/// <see cref="Namespace"/> — the acting app's name — so departments never overwrite each other.
/// A null value removed that key.
/// </summary>
[EventType(EventTypes.ConversationContextUpdated)]
public sealed record ConversationContextUpdated : HubEvent
{
    public string Namespace { get; init; } = string.Empty;

    [Pii(PiiCategories.FreeForm)]
    public IReadOnlyDictionary<string, JsonElement> Values { get; init; } = new Dictionary<string, JsonElement>();
}
