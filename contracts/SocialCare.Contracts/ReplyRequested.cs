namespace SocialCare.Contracts;

/// <summary>
/// A department asked the hub to answer the customer. The channel's connector (native, or a partner's app consuming
/// this event) sends it to <see cref="Recipient"/> and reports progress as reply.sent/delivered/read/failed.
/// </summary>
[EventType(EventTypes.ReplyRequested)]
public sealed record ReplyRequested : HubEvent
{
    public Guid ReplyId { get; init; }
    public Guid ChannelId { get; init; }
    public string ChannelType { get; init; } = string.Empty;

    /// <summary>The customer's id on that platform (a WhatsApp number, a PSID, an X user id …).</summary>
    [Pii(PiiCategories.Identity)]
    public string Recipient { get; init; } = string.Empty;

    [Pii(PiiCategories.Content)]
    public string? Text { get; init; }

    [Pii(PiiCategories.Content)]
    public IReadOnlyList<Attachment> Attachments { get; init; } = [];

    [KnownValues(typeof(Visibilities))]
    public string Visibility { get; init; } = "private";

    /// <summary>True when the reply moves the conversation to another channel (e.g. from a public tweet to
    /// WhatsApp).</summary>
    public bool Handoff { get; init; }
    public bool Forced { get; init; }

    /// <summary>An approved message template to send instead of free text (WhatsApp, outside the customer service
    /// window).</summary>
    public ReplyTemplate? Template { get; init; }

    /// <summary>For a public reply: the platform id of the customer's post it answers (a tweet id, an Instagram comment
    /// id).</summary>
    public string? InReplyTo { get; init; }

    /// <summary>
    /// The platform's message tag the send needs, when the platform's standard window has closed but a tagged message
    /// is still allowed: <c>HUMAN_AGENT</c> on Messenger and Instagram, 24 hours to 7 days after the customer's last
    /// message.
    /// </summary>
    public string? MessageTag { get; init; }

    /// <summary>The survey this reply asks the customer to answer (<c>csat</c>, <c>nes</c>, <c>ces</c> or <c>nps</c>),
    /// sent by a rule's <c>requestFeedback</c> after resolution; null for any other reply. The answer comes back as
    /// <c>conversation.feedback_received</c>.</summary>
    [KnownValues(typeof(FeedbackKinds))]
    public string? Survey { get; init; }
}

/// <summary>A pre-approved template (WhatsApp): its name, language code and the values of its body parameters, in
/// order.</summary>
public sealed record ReplyTemplate(
    string Name,
    string Language,
    [Pii(PiiCategories.Content)] IReadOnlyList<string> Parameters
);
