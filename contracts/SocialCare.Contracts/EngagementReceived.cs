using System.Text.Json;

namespace SocialCare.Contracts;

/// <summary>A customer's message, post or comment arrived on a channel and joined a conversation.</summary>
[EventType(EventTypes.EngagementReceived)]
public sealed record EngagementReceived : HubEvent
{
    public Guid EngagementId { get; init; }
    public Guid ChannelId { get; init; }
    public string ChannelType { get; init; } = string.Empty;
    public string PlatformMessageId { get; init; } = string.Empty;

    /// <summary>The platform's thread: for a private chat, often the customer's own id (a WhatsApp number).</summary>
    [Pii(PiiCategories.Identity)]
    public string? ThreadKey { get; init; }
    public EngagementAuthor Author { get; init; } = new(string.Empty, null, null);

    [Pii(PiiCategories.Content)]
    public string? Text { get; init; }

    [Pii(PiiCategories.Content)]
    public IReadOnlyList<Attachment> Attachments { get; init; } = [];

    /// <summary><c>public</c> (a tweet, a comment) or <c>private</c> (a DM, a WhatsApp message).</summary>
    [KnownValues(typeof(Visibilities))]
    public string Visibility { get; init; } = "private";
    public string? Language { get; init; }

    /// <summary>When the customer sent it, by the platform's clock.</summary>
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>Whatever else the source attached, passed through untouched.</summary>
    [Pii(PiiCategories.FreeForm)]
    public JsonElement? Metadata { get; init; }
}
