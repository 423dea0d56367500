namespace SocialCare.Contracts;

/// <summary>Another platform identity now belongs to the customer: messages from it join the customer's
/// conversations.</summary>
[EventType(EventTypes.CustomerIdentityLinked)]
public sealed record CustomerIdentityLinked : HubEvent
{
    public CustomerIdentity Identity { get; init; } = new(string.Empty, string.Empty, null, null);
}
