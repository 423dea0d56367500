namespace SocialCare.Api.Conversations;

/// <summary>
/// What a command needs to know about a conversation to decide — read under a row lock. <see cref="EpisodeOpenedAt"/>
/// is when the current episode began (the opening, or the latest reopening): the acknowledgement and resolution
/// clocks count from it, and <see cref="AcknowledgedAt"/> is this episode's.
/// </summary>
public sealed record ConversationState(
    Guid Id,
    Guid WorkspaceId,
    string Brand,
    Guid CustomerId,
    string Status,
    long Version,
    DateTimeOffset OpenedAt,
    DateTimeOffset EpisodeOpenedAt,
    DateTimeOffset? AcknowledgedAt,
    DateTimeOffset? ResolvedAt,
    string? Team,
    string? Agent,
    IReadOnlyList<string> Tags,
    string Priority,
    Guid CurrentChannelId,
    string CurrentChannelType,
    IReadOnlySet<string> Links,
    Claim? Claim = null,
    int Episode = 1
)
{
    public bool IsResolved => Status == ConversationStatus.Resolved;

    /// <summary>The claim that still holds at <paramref name="now"/>; an expired one counts as none.</summary>
    public Claim? ActiveClaim(DateTimeOffset now) => Claim is { } c && c.ExpiresAt > now ? c : null;

    public static string LinkKey(string system, string recordType, string recordId) =>
        $"{system}|{recordType}|{recordId}";
}

/// <summary>Who holds a conversation: the app (API key id and name), optionally a person, until when.</summary>
public sealed record Claim(string KeyId, string App, string? Person, DateTimeOffset ExpiresAt);

public static class ConversationStatus
{
    public const string Open = "open";
    public const string Resolved = "resolved";

    public static IReadOnlyList<string> All { get; } = [Open, Resolved];
}

/// <summary>
/// Where a reply goes: the channel account, the customer's id there (null: unreachable), the usual visibility there,
/// when the customer last wrote on that account (the platforms' messaging windows count from it), and the customer's
/// latest public post there in this conversation (what a public reply answers).
/// </summary>
public sealed record ReplyTarget(
    Guid ChannelId,
    string ChannelType,
    string? Recipient,
    string DefaultVisibility,
    DateTimeOffset? LastInboundAt = null,
    string? LatestPublicPost = null
);

/// <summary>What a department wants to send.</summary>
public sealed record ReplyDraft(
    string? Text,
    IReadOnlyList<SocialCare.Contracts.Attachment> Attachments,
    string? Visibility,
    bool Force,
    SocialCare.Contracts.ReplyTemplate? Template = null,
    string? Survey = null
);

/// <summary>A reply as its status updates see it.</summary>
public sealed record ReplyState(Guid Id, Guid ChannelId, string Status, string? PlatformMessageId);

public static class ReplyStatuses
{
    public const string Requested = "requested";
    public const string Sent = "sent";
    public const string Delivered = "delivered";
    public const string Read = "read";
    public const string Failed = "failed";

    public static IReadOnlyList<string> Reportable { get; } = [Sent, Delivered, Read, Failed];

    public static IReadOnlyList<string> All { get; } = [Requested, .. Reportable];

    public static int Rank(string status) =>
        status switch
        {
            Requested => 0,
            Sent => 1,
            Delivered => 2,
            Read => 3,
            _ => 4,
        };
}
