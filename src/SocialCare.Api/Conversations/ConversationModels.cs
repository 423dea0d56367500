using System.Text.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.Channels;
using SocialCare.Contracts;

namespace SocialCare.Api.Conversations;

public sealed record ChannelRef(Guid Id, [KnownValues(typeof(ChannelTypes), Open = true)] string Type, string Name);

public sealed record CustomerSummary(
    Guid Id,
    [Pii(PiiCategories.Identity)] string? DisplayName,
    IReadOnlyList<CustomerIdentity> Identities
);

public sealed record EngagementView(
    Guid Id,
    Guid ChannelId,
    [KnownValues(typeof(ChannelTypes), Open = true)] string ChannelType,
    string PlatformMessageId,
    [Pii(PiiCategories.Identity)] string? ThreadKey,
    EngagementAuthor Author,
    [Pii(PiiCategories.Content)] string? Text,
    [Pii(PiiCategories.Content)] IReadOnlyList<Attachment> Attachments,
    [KnownValues(typeof(Visibilities))] string Visibility,
    string? Language,
    [Pii(PiiCategories.FreeForm)] JsonElement? Metadata,
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
    [Pii(PiiCategories.Identity)] string? Recipient,
    [Pii(PiiCategories.Content)] string? Text,
    [Pii(PiiCategories.Content)] IReadOnlyList<Attachment> Attachments,
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

/// <summary>Where an SLA clock stands.</summary>
public static class SlaClockStatuses
{
    public static IReadOnlyList<string> All { get; } = ["running", "met", "breached", "stopped"];
}

/// <summary>One target of the SLA policy in the current episode: its latest clock.</summary>
/// <param name="Target"><c>firstResponse</c>, <c>nextResponse</c> or <c>resolution</c>.</param>
/// <param name="Status"><c>running</c>, <c>met</c>, <c>breached</c>, or <c>stopped</c> (the episode ended, or another
/// policy replaced this one, before it was met).</param>
/// <param name="StartedAt">When the clock started.</param>
/// <param name="WarnAt">When the warning is (or was) due; null without one.</param>
/// <param name="DueAt">When the target falls due; null when the brand's calendar holds no such time within two
/// years.</param>
/// <param name="MetAt">When it was met; null unless met.</param>
/// <param name="BreachedAt">When the breach was recorded; null unless breached.</param>
public sealed record SlaTargetView(
    [KnownValues(typeof(SlaTargets))] string Target,
    [KnownValues(typeof(SlaClockStatuses))] string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? WarnAt,
    DateTimeOffset? DueAt,
    DateTimeOffset? MetAt,
    DateTimeOffset? BreachedAt
);

/// <summary>The SLA policy governing the conversation and its clocks in the current episode.</summary>
/// <param name="PolicyId">The policy applied.</param>
/// <param name="PolicyName">Its name when it was applied.</param>
/// <param name="Source">What applied it: <c>brand</c> (the brand's default) or <c>rule</c>.</param>
/// <param name="BusinessHoursOnly">Whether its clocks run only inside the brand's business hours.</param>
/// <param name="AppliedAt">When it was applied (to this episode).</param>
/// <param name="Episode">The episode its clocks belong to.</param>
/// <param name="Targets">The latest clock of each target.</param>
public sealed record SlaView(
    Guid PolicyId,
    string PolicyName,
    [KnownValues(typeof(SlaSources))] string Source,
    bool BusinessHoursOnly,
    DateTimeOffset AppliedAt,
    int Episode,
    IReadOnlyList<SlaTargetView> Targets
);

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
    SlaView? Sla,
    IReadOnlyList<LinkView> Links,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, JsonElement>> Context,
    [Pii(PiiCategories.FreeForm)] IReadOnlyDictionary<string, IReadOnlyDictionary<string, JsonElement>> PersonalContext,
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
