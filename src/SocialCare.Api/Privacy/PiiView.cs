using System.Text.Json.Nodes;
using SocialCare.Contracts;

namespace SocialCare.Api.Privacy;

/// <summary>How much of a customer's personal data a subscriber or key may see (docs/privacy.md).</summary>
public static class PiiModes
{
    /// <summary>Everything: identities, text, attachments, metadata. Every subscription created before issue 20 and
    /// every key holding <c>pii:read</c>.</summary>
    public const string Full = "full";

    /// <summary>Identities replaced by the workspace's stable pseudonyms (so that one customer's events still join);
    /// text, attachments and free-form values removed.</summary>
    public const string Pseudonymous = "pseudonymous";

    /// <summary>Identities, text, attachments and free-form values all removed.</summary>
    public const string None = "none";

    public static IReadOnlyList<string> All { get; } = [Full, Pseudonymous, None];
}

/// <summary>
/// What one reader sees of a personal field: a field of category <see cref="PiiCategories.Identity"/> becomes its
/// pseudonym when the mode is <see cref="PiiModes.Pseudonymous"/>; everything else personal becomes null. Null stays
/// null, so a field already erased reads the same in every mode.
/// </summary>
public sealed class PiiView
{
    private readonly Pseudonymizer? _pseudonyms;

    private PiiView(string mode, Pseudonymizer? pseudonyms)
    {
        Mode = mode;
        _pseudonyms = pseudonyms;
    }

    public string Mode { get; }

    public static PiiView Pseudonymous(Pseudonymizer pseudonyms) => new(PiiModes.Pseudonymous, pseudonyms);

    /// <summary>Every personal field removed: the <see cref="PiiModes.None"/> view, and what erasure writes.</summary>
    public static PiiView Nothing { get; } = new(PiiModes.None, null);

    /// <summary>The view of <paramref name="mode"/> (full: null, nothing to do).</summary>
    public static PiiView? Of(string mode, Pseudonymizer pseudonyms) =>
        mode switch
        {
            PiiModes.Pseudonymous => Pseudonymous(pseudonyms),
            PiiModes.None => Nothing,
            _ => null,
        };

    public JsonNode? Apply(string category, JsonNode? value) =>
        Pseudonym(category, value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null) is { } pseudonym
            ? JsonValue.Create(pseudonym)
            : null;

    public object? Apply(string category, object? value) => Pseudonym(category, value as string);

    private string? Pseudonym(string category, string? value) =>
        category == PiiCategories.Identity && _pseudonyms is not null && value is not null
            ? _pseudonyms.Of(value)
            : null;
}
