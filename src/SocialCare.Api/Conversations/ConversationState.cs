namespace SocialCare.Api.Conversations;

/// <summary>What a command needs to know about a conversation to decide — read under a row lock.</summary>
public sealed record ConversationState(
    Guid Id, Guid WorkspaceId, string Brand, Guid CustomerId, string Status, long Version,
    DateTimeOffset OpenedAt, DateTimeOffset? AcknowledgedAt, DateTimeOffset? ResolvedAt,
    string? Team, string? Agent, IReadOnlyList<string> Tags, string Priority,
    Guid CurrentChannelId, string CurrentChannelType, IReadOnlySet<string> Links, Claim? Claim = null)
{
    public bool IsResolved => Status == ConversationStatus.Resolved;

    /// <summary>The claim that still holds at <paramref name="now"/>; an expired one counts as none.</summary>
    public Claim? ActiveClaim(DateTimeOffset now) => Claim is { } c && c.ExpiresAt > now ? c : null;

    public static string LinkKey(string system, string recordType, string recordId) => $"{system}|{recordType}|{recordId}";
}

/// <summary>Who holds a conversation: the app (API key id and name), optionally a person, until when.</summary>
public sealed record Claim(string KeyId, string App, string? Person, DateTimeOffset ExpiresAt);

public static class ConversationStatus
{
    public const string Open = "open";
    public const string Resolved = "resolved";
}

public static class PriorityLevels
{
    public static IReadOnlyList<string> All { get; } = ["low", "normal", "high", "urgent"];
}
