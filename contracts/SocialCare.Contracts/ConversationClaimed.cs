namespace SocialCare.Contracts;

/// <summary>
/// A department app took the conversation (or renewed its claim): until <see cref="ExpiresAt"/>, other apps' replies
/// and resolutions are refused unless they force them.
/// </summary>
[EventType(EventTypes.ConversationClaimed)]
public sealed record ConversationClaimed : HubEvent
{
    /// <summary>The claiming app (its API key's name).</summary>
    public string App { get; init; } = string.Empty;
    public string? Person { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
    public bool Renewed { get; init; }
}
