namespace SocialCare.Contracts;

/// <summary>The author of an engagement, as the platform knows them.</summary>
public sealed record EngagementAuthor(
    [Pii(PiiCategories.Identity)] string PlatformUserId,
    [Pii(PiiCategories.Identity)] string? DisplayName,
    [Pii(PiiCategories.Identity)] string? Handle
);

/// <summary>A media item attached to an engagement or reply.</summary>
public sealed record Attachment(string Url, string MediaType, long? SizeBytes);

/// <summary>A customer's identity on one platform, e.g. <c>whatsapp</c> / <c>447700900123</c>.</summary>
public sealed record CustomerIdentity(
    string ChannelType,
    [Pii(PiiCategories.Identity)] string PlatformUserId,
    [Pii(PiiCategories.Identity)] string? DisplayName,
    [Pii(PiiCategories.Identity)] string? Handle
);
