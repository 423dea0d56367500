namespace SocialCare.Contracts;

/// <summary>
/// A customer's personal data was erased (<c>POST /v1/customers/{id}/erasure</c>): their identities, names, words,
/// attachments, metadata and personal context values are gone from the hub — its events, read models, webhook payloads
/// and delivery logs — together with those of every customer merged into them. Ids, times, tags, priorities, links and
/// SLA outcomes stay, so reports still add up. Erase every copy you hold of <see cref="HubEvent.CustomerId"/>,
/// <see cref="MergedCustomerIds"/> and <see cref="ConversationIds"/>, then confirm with
/// <c>POST /v1/erasures/{erasureId}/receipts</c>. Every subscription named in <see cref="SubscriptionIds"/> receives
/// this event whatever its event types.
/// </summary>
[EventType(EventTypes.CustomerErased)]
public sealed record CustomerErased : HubEvent
{
    public Guid ErasureId { get; init; }

    /// <summary>Customers merged into this one, erased with it.</summary>
    public IReadOnlyList<Guid> MergedCustomerIds { get; init; } = [];

    /// <summary>Their conversations, whose personal data is erased (the conversations and their facts stay).</summary>
    public IReadOnlyList<Guid> ConversationIds { get; init; } = [];

    /// <summary>The webhook subscriptions that received the customer's data, each of which must confirm.</summary>
    public IReadOnlyList<Guid> SubscriptionIds { get; init; } = [];

    /// <summary>The bus consumers registered for receipts, each of which must confirm.</summary>
    public IReadOnlyList<string> Consumers { get; init; } = [];

    /// <summary>When every receipt is due; reminders go out before it.</summary>
    public DateTimeOffset ReceiptsDueAt { get; init; }
}

/// <summary>Every party of an erasure has confirmed that it erased its copies of the customer's data.</summary>
[EventType(EventTypes.ErasureCompleted)]
public sealed record ErasureCompleted : HubEvent
{
    public Guid ErasureId { get; init; }
}

/// <summary>
/// An erasure still waits for receipts: sent before <see cref="ReceiptsDueAt"/> (<c>Privacy:ReceiptReminders</c>) and
/// once it has passed (<see cref="Overdue"/>), naming the parties that have not confirmed.
/// </summary>
[EventType(EventTypes.ErasureReminder)]
public sealed record ErasureReminder : HubEvent
{
    public Guid ErasureId { get; init; }
    public DateTimeOffset ReceiptsDueAt { get; init; }
    public bool Overdue { get; init; }
    public IReadOnlyList<Guid> PendingSubscriptionIds { get; init; } = [];
    public IReadOnlyList<string> PendingConsumers { get; init; } = [];
}

/// <summary>
/// The workspace's retention policy removed what was due (<c>PUT /v1/workspaces/{id}/retention</c>): engagement and
/// reply text older than <see cref="TextBefore"/>, attachments older than <see cref="AttachmentsBefore"/>, and every
/// personal field of conversations resolved before <see cref="ConversationsBefore"/> — with the same effect as an
/// erasure for those fields. Counts are of what this pass changed; the facts stay.
/// </summary>
[EventType(EventTypes.RetentionApplied)]
public sealed record RetentionApplied : HubEvent
{
    public DateTimeOffset? TextBefore { get; init; }
    public DateTimeOffset? AttachmentsBefore { get; init; }
    public DateTimeOffset? ConversationsBefore { get; init; }

    /// <summary>Engagements and replies whose text was removed.</summary>
    public int Texts { get; init; }

    /// <summary>Engagements and replies whose attachments were removed.</summary>
    public int Attachments { get; init; }

    /// <summary>Resolved conversations whose personal data was removed.</summary>
    public int Conversations { get; init; }
}
