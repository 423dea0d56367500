using System.Text.Json;

namespace SocialCare.Contracts;

/// <summary>
/// A department's facts about the customer in this conversation (lifetime value, segment …), kept under
/// <see cref="Namespace"/> — the acting app's name — so departments never overwrite each other.
/// A null value removed that key. <see cref="PersonalValues"/> are the values the department marked as the customer's
/// personal data (an IBAN, a date of birth): redacted for a reader that may not see personal data, and erased with the
/// customer; <see cref="Values"/> are not personal and stay.
/// </summary>
[EventType(EventTypes.ConversationContextUpdated)]
public sealed record ConversationContextUpdated : HubEvent
{
    public string Namespace { get; init; } = string.Empty;

    public IReadOnlyDictionary<string, JsonElement> Values { get; init; } = new Dictionary<string, JsonElement>();

    [Pii(PiiCategories.FreeForm)]
    public IReadOnlyDictionary<string, JsonElement>? PersonalValues { get; init; }
}
