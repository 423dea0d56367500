namespace SocialCare.Contracts;

/// <summary>The platform's error when a reply failed.</summary>
public sealed record PlatformError(string Code, string Message);

/// <summary>What every reply.* progress event carries.</summary>
public abstract record ReplyProgress : HubEvent
{
    public Guid ReplyId { get; init; }
    public Guid ChannelId { get; init; }

    /// <summary>The platform's id for the sent message (a wamid, a mid, a tweet id), once known.</summary>
    public string? PlatformMessageId { get; init; }

    /// <summary>When it happened, by the platform's (or connector's) clock.</summary>
    public DateTimeOffset OccurredAt { get; init; }
}

/// <summary>The platform accepted the reply.</summary>
[EventType(EventTypes.ReplySent)]
public sealed record ReplySent : ReplyProgress;

/// <summary>The reply reached the customer's device.</summary>
[EventType(EventTypes.ReplyDelivered)]
public sealed record ReplyDelivered : ReplyProgress;

/// <summary>The customer read the reply.</summary>
[EventType(EventTypes.ReplyRead)]
public sealed record ReplyRead : ReplyProgress;

/// <summary>The reply could not be delivered; <see cref="Error"/> says why, in the platform's words.</summary>
[EventType(EventTypes.ReplyFailed)]
public sealed record ReplyFailed : ReplyProgress
{
    public PlatformError Error { get; init; } = new(string.Empty, string.Empty);
}
