using System.Text.Json;
using SocialCare.Api.Engagements;
using SocialCare.Contracts;

namespace SocialCare.Api.Channels;

/// <summary>
/// A native channel connector: the one small contract each platform implements. It answers the platform's verification
/// handshake, verifies the platform's signature on the raw body, turns a payload into normalised engagements and
/// reply-status updates, and builds the platform request that sends a reply. It does no I/O of its own:
/// <see cref="Hooks.HooksApi"/> stores what it parses, <see cref="Replies.ReplyDispatcher"/> sends what it builds.
/// </summary>
public interface IChannelConnector
{
    /// <summary>The channel type it speaks: whatsapp, messenger, instagram, x.</summary>
    string Type { get; }

    /// <summary>
    /// The setting naming the platform account a payload is about (phoneNumberId, pageId …). One app's webhook can
    /// carry several accounts; each part of a payload goes to the channel account of the same workspace that has it.
    /// </summary>
    string AccountSetting { get; }

    /// <summary>The settings that must be stored before the platform's webhooks can be accepted.</summary>
    IReadOnlyList<string> HookSettings { get; }

    /// <summary>The settings that must be stored before the hub sends replies itself (else a partner's connector
    /// does).</summary>
    IReadOnlyList<string> SendSettings { get; }

    /// <summary>The platform's credentials among the settings: write-only, never returned, encrypted at rest.</summary>
    IReadOnlyList<string> SecretSettings { get; }

    /// <summary>The setting that points the connector at another API host (a regional endpoint, a test
    /// double).</summary>
    string BaseUrlSetting { get; }

    /// <summary>The platform's GET handshake, answered from the account's settings.</summary>
    IResult Handshake(HttpRequest request, Channel channel);

    /// <summary>Checks the platform's signature over the exact bytes received, in constant time.</summary>
    bool SignatureIsValid(IHeaderDictionary headers, ReadOnlySpan<byte> body, Channel channel);

    /// <summary>
    /// Everything a payload says, or null when it is not a payload of this platform (a 422 for the sender).
    /// <paramref name="threads"/> finds the thread a public reply continues.
    /// </summary>
    Task<ParsedPayload?> ParseAsync(
        JsonElement payload,
        Channel channel,
        IThreadLookup threads,
        CancellationToken cancellationToken
    );

    /// <summary>The HTTP request that sends <paramref name="reply"/>; called again for each attempt.</summary>
    HttpRequestMessage CreateSend(ReplyRequested reply, Channel channel);

    /// <summary>The platform's id of the sent message, from a successful response.</summary>
    string? ReadMessageId(JsonElement response);

    /// <summary>The platform's error, in its own code and words, from a failed response.</summary>
    PlatformError ReadError(int status, string body);
}

/// <summary>What one webhook payload says: customers' messages, and how far our replies got.</summary>
public sealed record ParsedPayload(
    IReadOnlyList<ParsedEngagement> Engagements,
    IReadOnlyList<ParsedStatus> Statuses,
    int Ignored
);

/// <summary>An inbound engagement for the platform account <paramref name="Account"/> (a phone number id, a page id
/// …).</summary>
public sealed record ParsedEngagement(string Account, InboundEngagement Engagement);

/// <summary>
/// A reply's progress on the platform. With a <see cref="PlatformMessageId"/> it is about that message; without one
/// (Messenger's read watermark) it is about every reply to <see cref="Recipient"/> sent up to <see cref="OccurredAt"/>.
/// </summary>
public sealed record ParsedStatus(
    string Account,
    string? PlatformMessageId,
    string Status,
    DateTimeOffset OccurredAt,
    PlatformError? Error,
    string? Recipient = null
);

/// <summary>Finds the thread (the hub's thread key) that a platform message belongs to: a customer's post, or one of
/// our replies.</summary>
public interface IThreadLookup
{
    Task<string?> ThreadOfAsync(Channel channel, string platformMessageId, CancellationToken cancellationToken);
}

/// <summary>The native connectors by channel type.</summary>
public sealed class ConnectorRegistry(IEnumerable<IChannelConnector> connectors)
{
    private readonly Dictionary<string, IChannelConnector> _byType = connectors.ToDictionary(
        c => c.Type,
        StringComparer.Ordinal
    );

    public IChannelConnector? For(string channelType) => _byType.GetValueOrDefault(channelType);

    /// <summary>The declared secret settings of a channel type: none for a custom type, whose secrets come in
    /// <c>secrets</c>.</summary>
    public IReadOnlyList<string> SecretSettings(string channelType) => For(channelType)?.SecretSettings ?? [];

    /// <summary>True when the hub sends this account's replies itself: a native type with its credentials
    /// stored.</summary>
    public bool Sends(Channel channel) => For(channel.Type) is { } c && c.SendSettings.All(channel.Has);
}
