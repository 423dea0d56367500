namespace SocialCare.Contracts;

/// <summary>
/// The field holds a customer's personal data: the one declaration, on the contract itself, of what the hub redacts for
/// a subscriber or key that may not see it, erases, and removes at the end of its retention (docs/privacy.md). The
/// event JSON Schemas, the OpenAPI document and the AsyncAPI document show it as <c>x-pii</c> with the category.
/// Anything not so marked — times, ids, tags, priorities, links, SLA outcomes — is not personal and is kept, so that
/// reports still add up.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class PiiAttribute(string category) : Attribute
{
    public string Category { get; } =
        PiiCategories.All.Contains(category)
            ? category
            : throw new ArgumentException($"{category} is not a PII category.", nameof(category));
}

/// <summary>What kind of personal data a field holds.</summary>
public static class PiiCategories
{
    /// <summary>Who the customer is: a platform user id or phone number, a name, a handle.</summary>
    public const string Identity = "identity";

    /// <summary>What the customer or an agent wrote or sent: text, attachments, comments, template values.</summary>
    public const string Content = "content";

    /// <summary>Whatever a source or department attached, whose meaning the hub cannot know: metadata, context
    /// values.</summary>
    public const string FreeForm = "free-form";

    public static IReadOnlyList<string> All { get; } = [Identity, Content, FreeForm];
}
