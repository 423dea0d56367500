using System.Text.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.Channels;
using SocialCare.Contracts;

namespace SocialCare.Api.Conversations;

public sealed record ChannelRef(Guid Id, [KnownValues(typeof(ChannelTypes), Open = true)] string Type, string Name);

public sealed record CustomerSummary(Guid Id, string? DisplayName, IReadOnlyList<CustomerIdentity> Identities);

public sealed record EngagementView(
    Guid Id,
    Guid ChannelId,
    [KnownValues(typeof(ChannelTypes), Open = true)] string ChannelType,
    string PlatformMessageId,
    string? ThreadKey,
    EngagementAuthor Author,
    string? Text,
    IReadOnlyList<Attachment> Attachments,
    [KnownValues(typeof(Visibilities))] string Visibility,
    string? Language,
    JsonElement? Metadata,
    DateTimeOffset OccurredAt,
    DateTimeOffset ReceivedAt
);

/// <summary>A conversation in a list: enough to choose one.</summary>
public sealed record ConversationSummary(
    Guid Id,
    string Brand,
    [KnownValues(typeof(ConversationStatus))] string Status,
    Guid CustomerId,
    Guid CurrentChannelId,
    [KnownValues(typeof(ChannelTypes), Open = true)] IReadOnlyList<string> ChannelTypes,
    DateTimeOffset OpenedAt,
    DateTimeOffset LastActivityAt,
    DateTimeOffset? ResolvedAt,
    int EngagementCount,
    long Version
);

public sealed record Assignment(string? Team, string? Agent);

public sealed record Priority([KnownValues(typeof(PriorityLevels))] string Level, string? Reason);

/// <summary>The app (and person) that holds the conversation, until when; null when nobody does.</summary>
public sealed record ClaimView(string App, string? Person, DateTimeOffset ExpiresAt);

public sealed record LinkView(
    string System,
    string RecordType,
    string RecordId,
    string? Url,
    string? LinkedBy,
    DateTimeOffset LinkedAt
);

/// <summary>A reply and how far it got on the platform.</summary>
public sealed record ReplyView(
    Guid Id,
    Guid ChannelId,
    string Recipient,
    string? Text,
    IReadOnlyList<Attachment> Attachments,
    [KnownValues(typeof(Visibilities))] string Visibility,
    [KnownValues(typeof(ReplyStatuses))] string Status,
    string? PlatformMessageId,
    PlatformError? Error,
    string? RequestedBy,
    DateTimeOffset RequestedAt,
    DateTimeOffset? SentAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? ReadAt,
    DateTimeOffset? FailedAt
);

/// <summary>The two response times care is measured by, in seconds, from the start of the current episode; null until
/// they happen.</summary>
public sealed record Durations(double? TimeToAcknowledgeSeconds, double? TimeToResolveSeconds);

/// <summary>The whole context of a conversation, now, in one call. <c>version</c> is also the ETag.</summary>
public sealed record ConversationView(
    Guid Id,
    string Brand,
    [KnownValues(typeof(ConversationStatus))] string Status,
    ClaimView? Claim,
    CustomerSummary Customer,
    IReadOnlyList<ChannelRef> Channels,
    Guid CurrentChannelId,
    DateTimeOffset OpenedAt,
    int Episode,
    DateTimeOffset EpisodeOpenedAt,
    DateTimeOffset LastActivityAt,
    DateTimeOffset? LastInboundAt,
    DateTimeOffset? AcknowledgedAt,
    DateTimeOffset? ResolvedAt,
    Durations Durations,
    Assignment Assignment,
    IReadOnlyList<string> Tags,
    Priority Priority,
    IReadOnlyList<LinkView> Links,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, JsonElement>> Context,
    int EngagementCount,
    long Version,
    IReadOnlyList<EngagementView> LatestEngagements,
    IReadOnlyList<ReplyView> LatestReplies
);

/// <summary>One event of a conversation's own stream.</summary>
public sealed record TimelineEntry(
    long Version,
    long? Sequence,
    Guid Id,
    string Type,
    DateTimeOffset Time,
    EventActor Actor,
    JsonNode Data
);

public sealed record Timeline(IReadOnlyList<TimelineEntry> Items, string? Next);
