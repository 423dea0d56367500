namespace SocialCare.Contracts;

/// <summary>Step two: the issue is resolved. Carries the times that care reports are made of.</summary>
[EventType(EventTypes.ConversationResolved)]
public sealed record ConversationResolved : HubEvent
{
    public string? Reason { get; init; }
    public DateTimeOffset ResolvedAt { get; init; }

    /// <summary>From the start of the episode (the opening, or the latest reopening) to resolution, in
    /// seconds.</summary>
    public double TimeToResolveSeconds { get; init; }

    /// <summary>From the start of the episode to its acknowledgement, in seconds; null if it was never
    /// acknowledged.</summary>
    public double? TimeToAcknowledgeSeconds { get; init; }

    public Guid? ChannelId { get; init; }
    public string? ChannelType { get; init; }

    /// <summary>True when the resolving app overrode another app's claim.</summary>
    public bool Forced { get; init; }
}
