namespace SocialCare.Contracts;

/// <summary>A new conversation started with a customer, for a brand, on a channel.</summary>
[EventType(EventTypes.ConversationOpened)]
public sealed record ConversationOpened : HubEvent
{
    public Guid ChannelId { get; init; }
    public string ChannelType { get; init; } = string.Empty;

    /// <summary>The platform's thread: for a private chat, often the customer's own id (a WhatsApp number).</summary>
    [Pii(PiiCategories.Identity)]
    public string? ThreadKey { get; init; }
}
