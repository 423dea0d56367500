using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SocialCare.Api.Channels.Hooks;
using SocialCare.Api.Channels.Meta;
using SocialCare.Api.Channels.Replies;
using SocialCare.Api.Engagements;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Contracts;

namespace SocialCare.Api.Channels.X;

/// <summary>
/// X through the Account Activity API. In: the CRC check (<c>GET ?crc_token=</c>), then
/// <c>tweet_create_events</c> (public mentions and replies, threaded along the reply chain; our own tweets ignored) and
/// <c>direct_message_events</c> (private; our own DMs ignored), signed with <c>x-twitter-webhooks-signature</c>.
/// Out: a public reply (<c>POST /2/tweets</c> with <c>reply.in_reply_to_tweet_id</c>) or a DM
/// (<c>POST /2/dm_conversations/with/{participant_id}/messages</c>).
/// </summary>
public sealed partial class XConnector : IChannelConnector
{
    public const string DefaultBaseUrl = "https://api.x.com";
    public const string UserIdSetting = "userId";
    public const string ConsumerSecretSetting = "consumerSecret";
    public const string BearerTokenSetting = "bearerToken";
    public const string ApiBaseUrlSetting = "apiBaseUrl";
    public const string SignatureHeader = "x-twitter-webhooks-signature";
    private const int MaxCrcTokenLength = 256;

    private static readonly System.Buffers.SearchValues<byte> CrcAlphabet = System.Buffers.SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-"u8
    );

    public string Type => ChannelTypes.X;

    public string AccountSetting => UserIdSetting;

    public IReadOnlyList<string> HookSettings { get; } = [UserIdSetting, ConsumerSecretSetting];

    public IReadOnlyList<string> SendSettings { get; } = [UserIdSetting, BearerTokenSetting];

    public IReadOnlyList<string> SecretSettings { get; } = [ConsumerSecretSetting, BearerTokenSetting];

    public string BaseUrlSetting => ApiBaseUrlSetting;

    /// <summary>
    /// The CRC check: <c>{"response_token": "sha256=&lt;base64 HMAC-SHA256(consumer secret, crc_token)&gt;"}</c>. The
    /// answer is exactly the signature a POST of the body <c>crc_token</c> would carry, so the handshake signs only
    /// what X sends — a short token of letters, digits and <c>+/=_-</c> — and a POST whose whole body could be such a
    /// token is never taken as signed (<see cref="SignatureIsValid"/>). No JSON payload can be signed this way.
    /// </summary>
    public IResult Handshake(HttpRequest request, Channel channel) =>
        request.Query["crc_token"] is { Count: 1 } token && CrcToken().IsMatch(token.ToString())
            ? Results.Json(
                new
                {
                    response_token = HookSignatures.X(
                        channel.Required(ConsumerSecretSetting),
                        Encoding.ASCII.GetBytes(token.ToString())
                    ),
                }
            )
            : Problem.Of(
                StatusCodes.Status400BadRequest,
                ProblemCodes.BadRequest,
                "Invalid crc_token",
                $"X's challenge-response check sends one crc_token of at most {MaxCrcTokenLength} letters, digits "
                    + "and + / = _ -."
            );

    public bool SignatureIsValid(IHeaderDictionary headers, ReadOnlySpan<byte> body, Channel channel) =>
        !CouldBeCrcToken(body)
        && HookSignatures.Matches(
            HookSignatures.X(channel.Required(ConsumerSecretSetting), body),
            headers[SignatureHeader]
        );

    private static bool CouldBeCrcToken(ReadOnlySpan<byte> body) =>
        body.Length <= MaxCrcTokenLength && !body.ContainsAnyExcept(CrcAlphabet);

    [GeneratedRegex("^[A-Za-z0-9+/=_-]{1,256}$")]
    private static partial Regex CrcToken();

    public async Task<ParsedPayload?> ParseAsync(
        JsonElement payload,
        Channel channel,
        IThreadLookup threads,
        CancellationToken cancellationToken
    )
    {
        if (payload.ValueKind != JsonValueKind.Object || payload.Text("for_user_id") is not { } account)
        {
            return null;
        }

        var engagements = new List<ParsedEngagement>();
        var ignored = payload
            .EnumerateObject()
            .Count(p =>
                p.Name.EndsWith("_events", StringComparison.Ordinal)
                && p.Name is not ("tweet_create_events" or "direct_message_events")
            );
        foreach (var tweet in payload.Items("tweet_create_events"))
        {
            if (await TweetAsync(account, tweet, channel, threads, cancellationToken) is { } engagement)
            {
                engagements.Add(new ParsedEngagement(account, engagement));
            }
            else
            {
                ignored++;
            }
        }

        var users = payload.Member("users");
        foreach (var dm in payload.Items("direct_message_events"))
        {
            if (DirectMessage(account, dm, users) is { } engagement)
            {
                engagements.Add(new ParsedEngagement(account, engagement));
            }
            else
            {
                ignored++;
            }
        }

        return new ParsedPayload(engagements, [], ignored);
    }

    private static async Task<InboundEngagement?> TweetAsync(
        string account,
        JsonElement tweet,
        Channel channel,
        IThreadLookup threads,
        CancellationToken ct
    )
    {
        var user = tweet.Member("user");
        if (
            tweet.Text("id_str") is not { } id
            || user?.Text("id_str") is not { } author
            || author == account
            || tweet.Member("retweeted_status") is not null
        )
        {
            return null;
        }

        // The thread is the reply chain's root: a tweet answering a known post or one of our replies joins that post's
        // thread; a tweet answering something the hub never saw starts its thread there; a new mention starts its own.
        var parent = tweet.Text("in_reply_to_status_id_str");
        var thread = parent is null ? id : await threads.ThreadOfAsync(channel, parent, ct) ?? parent;
        var text = tweet.Member("extended_tweet")?.Text("full_text") ?? tweet.Text("full_text") ?? tweet.Text("text");
        var media =
            (
                tweet.Member("extended_tweet")?.Member("extended_entities")
                ?? tweet.Member("extended_entities")
                ?? tweet.Member("entities")
            )?.Items("media") ?? [];
        var attachments = media
            .Where(m => m.Text("media_url_https") is not null)
            .Select(m => new Attachment(
                m.Text("media_url_https")!,
                m.Text("type") == "photo" ? "image/jpeg" : m.Text("type") ?? "image",
                null
            ))
            .ToList();
        var at =
            tweet.UnixTime("timestamp_ms")
            ?? (
                DateTimeOffset.TryParseExact(
                    tweet.Text("created_at"),
                    "ddd MMM dd HH:mm:ss zzz yyyy",
                    CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal,
                    out var created
                )
                    ? created
                    : DateTimeOffset.UtcNow
            );
        var details = new JsonObject { ["inReplyTo"] = parent, ["lang"] = tweet.Text("lang") };
        return new InboundEngagement(
            id,
            thread,
            new EngagementAuthor(author, JsonReading.Clean(user.Value.Text("name")), user.Value.Text("screen_name")),
            JsonReading.Clean(text),
            attachments,
            "public",
            tweet.Text("lang") is { } lang && lang != "und" ? lang : null,
            at,
            JsonSerializer.SerializeToElement(
                new JsonObject
                {
                    ["x"] = details,
                    // What triage rules read as author.followers and metadata.author.verified.
                    ["author"] = new JsonObject
                    {
                        ["followers"] =
                            user.Value.Member("followers_count") is { ValueKind: JsonValueKind.Number } n
                            && n.TryGetInt64(out var followers)
                                ? followers
                                : null,
                        ["verified"] = user.Value.Member("verified")?.ValueKind == JsonValueKind.True,
                    },
                }
            )
        );
    }

    private static InboundEngagement? DirectMessage(string account, JsonElement dm, JsonElement? users)
    {
        var create = dm.Member("message_create");
        if (
            dm.Text("type") != "message_create"
            || dm.Text("id") is not { } id
            || create?.Text("sender_id") is not { } sender
            || sender == account
        )
        {
            return null;
        }

        var data = create.Value.Member("message_data");
        var profile = users?.Member(sender);
        var media = data?.Member("attachment")?.Member("media");
        var attachments = media?.Text("media_url_https") is { } url
            ? [new Attachment(url, media.Value.Text("type") == "photo" ? "image/jpeg" : "image", null)]
            : new List<Attachment>();
        return new InboundEngagement(
            id,
            null,
            new EngagementAuthor(sender, JsonReading.Clean(profile?.Text("name")), profile?.Text("screen_name")),
            JsonReading.Clean(data?.Text("text")),
            attachments,
            "private",
            null,
            dm.UnixTime("created_timestamp") ?? DateTimeOffset.UtcNow,
            JsonSerializer.SerializeToElement(
                new JsonObject
                {
                    ["x"] = new JsonObject { ["recipientId"] = create.Value.Member("target")?.Text("recipient_id") },
                }
            )
        );
    }

    public HttpRequestMessage CreateSend(ReplyRequested reply, Channel channel)
    {
        var baseUrl = channel.BaseUrl(ApiBaseUrlSetting, DefaultBaseUrl);
        var (url, body) =
            reply.Visibility == "public"
                ? (
                    $"{baseUrl}/2/tweets",
                    new JsonObject
                    {
                        ["text"] = reply.Text,
                        ["reply"] = new JsonObject { ["in_reply_to_tweet_id"] = reply.InReplyTo },
                    }
                )
                : (
                    $"{baseUrl}/2/dm_conversations/with/{PlatformPaths.Segment(reply.Recipient)}/messages",
                    new JsonObject { ["text"] = reply.Text }
                );
        return new HttpRequestMessage(HttpMethod.Post, url)
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", channel.Required(BearerTokenSetting)) },
            Content = JsonContent.Create(body),
        };
    }

    /// <summary>A tweet answers <c>{"data": {"id", "text"}}</c>; a DM answers <c>{"data": {"dm_conversation_id",
    /// "dm_event_id"}}</c>.</summary>
    public string? ReadMessageId(JsonElement response) =>
        response.Member("data") is { } data ? data.Text("id") ?? data.Text("dm_event_id") : null;

    /// <summary>X's errors: <c>{"title", "detail", "type", "status"}</c>, or <c>{"errors": [{"message",
    /// "code"}]}</c>.</summary>
    public PlatformError ReadError(int status, string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.Items("errors").FirstOrDefault() is { ValueKind: JsonValueKind.Object } first)
            {
                return new PlatformError(
                    first.Text("code") ?? first.Text("title") ?? status.ToString(CultureInfo.InvariantCulture),
                    first.Text("message") ?? first.Text("detail") ?? "X refused the request."
                );
            }

            if (root.Text("title") is { } title)
            {
                return new PlatformError(title, root.Text("detail") ?? title);
            }
        }
        catch (JsonException)
        {
            // Not X's error shape: the status says enough.
        }

        return new PlatformError(status.ToString(CultureInfo.InvariantCulture), $"X answered HTTP {status}.");
    }
}
