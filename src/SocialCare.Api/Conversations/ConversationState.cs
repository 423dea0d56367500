namespace SocialCare.Api.Conversations;

/// <summary>What a command needs to know about a conversation to decide — read under a row lock.</summary>
public sealed record ConversationState(
    Guid Id, Guid WorkspaceId, string Brand, Guid CustomerId, string Status, long Version,
    DateTimeOffset OpenedAt, DateTimeOffset? AcknowledgedAt, DateTimeOffset? ResolvedAt,
    string? Team, string? Agent, IReadOnlyList<string> Tags, string Priority,
    Guid CurrentChannelId, string CurrentChannelType, IReadOnlySet<string> Links)
{
    public bool IsResolved => Status == ConversationStatus.Resolved;

    public static string LinkKey(string system, string recordType, string recordId) => $"{system}|{recordType}|{recordId}";
}

public static class ConversationStatus
{
    public const string Open = "open";
    public const string Resolved = "resolved";
}

public static class PriorityLevels
{
    public static IReadOnlyList<string> All { get; } = ["low", "normal", "high", "urgent"];
}
