namespace SocialCare.Contracts;

/// <summary>The hub saw a platform identity for the first time and made a customer of it.</summary>
[EventType(EventTypes.CustomerCreated)]
public sealed record CustomerCreated : HubEvent
{
    [Pii(PiiCategories.Identity)]
    public string? DisplayName { get; init; }
    public CustomerIdentity Identity { get; init; } = new(string.Empty, string.Empty, null, null);
}
