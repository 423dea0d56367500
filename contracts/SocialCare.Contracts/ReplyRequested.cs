namespace SocialCare.Contracts;

/// <summary>
/// A department asked the hub to answer the customer. The channel's connector (native, or a partner's app
/// consuming this event) sends it to <see cref="Recipient"/> and reports progress as reply.sent/delivered/read/failed.
/// </summary>
[EventType(EventTypes.ReplyRequested)]
public sealed record ReplyRequested : HubEvent
{
    public Guid ReplyId { get; init; }
    public Guid ChannelId { get; init; }
    public string ChannelType { get; init; } = string.Empty;

    /// <summary>The customer's id on that platform (a WhatsApp number, a PSID, an X user id …).</summary>
    public string Recipient { get; init; } = string.Empty;
    public string? Text { get; init; }
    public IReadOnlyList<Attachment> Attachments { get; init; } = [];
    public string Visibility { get; init; } = "private";

    /// <summary>True when the reply moves the conversation to another channel (e.g. from a public tweet to WhatsApp).</summary>
    public bool Handoff { get; init; }
    public bool Forced { get; init; }
}
