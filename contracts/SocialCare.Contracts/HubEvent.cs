namespace SocialCare.Contracts;

/// <summary>
/// What every event of the hub carries, so that a consumer can act without a second call: which workspace and brand,
/// which conversation and customer, who did it, when, and where it stands in the workspace's global order. Published on
/// the RabbitMQ exchange
/// <c>socialcare.events</c> (every event) and on one exchange per type (<c>socialcare.&lt;type&gt;</c>).
/// </summary>
public abstract record HubEvent
{
    /// <summary>Unique per event; also the broker message id and the webhook id. Consumers dedupe on it.</summary>
    public Guid EventId { get; init; }

    /// <summary>The global sequence: increasing in commit order, never behind one already visible (a gap only where a
    /// transaction failed mid-commit). 0 until the event is published.</summary>
    public long Sequence { get; init; }

    /// <summary>The workspace the event belongs to.</summary>
    public Guid WorkspaceId { get; init; }

    /// <summary>The brand of the conversation or channel account; null for events of no brand (a customer).</summary>
    public string? Brand { get; init; }

    /// <summary>The conversation the event belongs to; null for customer and subscription events.</summary>
    public Guid? ConversationId { get; init; }

    /// <summary>The customer the event concerns; null for subscription events.</summary>
    public Guid? CustomerId { get; init; }

    /// <summary>When the hub recorded the event.</summary>
    public DateTimeOffset RecordedAt { get; init; }

    /// <summary>Who caused it: a department app's API key (and optional person), a platform webhook, or the hub
    /// itself.</summary>
    public EventActor Actor { get; init; } = EventActor.System;
}
