using System.Text.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.Channels.Replies;
using SocialCare.Api.Conversations;
using SocialCare.Api.Engagements;
using SocialCare.Contracts;

namespace SocialCare.Api.Channels.Meta;

/// <summary>
/// Messenger and Instagram, both on the Messenger Platform. In: <c>object: page</c> / <c>object: instagram</c>,
/// <c>entry[].messaging[]</c> (messages, postbacks, delivery and read receipts; echoes of our own sends are
/// ignored), and on Instagram <c>entry[].changes[]</c> with <c>field: comments</c> (public, threaded by media id).
/// Out: the Send API (<c>recipient.id</c>, <c>messaging_type</c> RESPONSE, or MESSAGE_TAG with <c>HUMAN_AGENT</c>
/// between 24 hours and 7 days), and on Instagram a public reply to a comment (<c>POST /{comment-id}/replies</c>).
/// </summary>
public sealed class MetaMessagingConnector(MetaMessagingConnector.Profile profile) : IChannelConnector
{
    /// <summary>What differs between the two: the channel type, the payload's object, and the setting naming the
    /// account.</summary>
    public sealed record Profile(string Type, string PayloadObject, string AccountSetting);

    public static readonly Profile MessengerProfile = new(ChannelTypes.Messenger, "page", "pageId");
    public static readonly Profile InstagramProfile = new(ChannelTypes.Instagram, "instagram", "instagramAccountId");

    public string Type => profile.Type;

    public string AccountSetting => profile.AccountSetting;

    public IReadOnlyList<string> HookSettings { get; } =
    [profile.AccountSetting, MetaGraph.AppSecretSetting, MetaGraph.VerifyTokenSetting];

    public IReadOnlyList<string> SendSettings { get; } = [profile.AccountSetting, MetaGraph.AccessTokenSetting];

    public IReadOnlyList<string> SecretSettings => MetaGraph.SecretSettings;

    public string BaseUrlSetting => MetaGraph.BaseUrlSetting;

    public IResult Handshake(HttpRequest request, Channel channel) => MetaGraph.Handshake(request, channel);

    public bool SignatureIsValid(IHeaderDictionary headers, ReadOnlySpan<byte> body, Channel channel) =>
        MetaGraph.SignatureIsValid(headers, body, channel);

    public Task<ParsedPayload?> ParseAsync(
        JsonElement payload,
        Channel channel,
        IThreadLookup threads,
        CancellationToken cancellationToken
    )
    {
        if (payload.Text("object") != profile.PayloadObject)
        {
            return Task.FromResult<ParsedPayload?>(null);
        }

        var engagements = new List<ParsedEngagement>();
        var statuses = new List<ParsedStatus>();
        var ignored = 0;
        foreach (var entry in payload.Items("entry"))
        {
            var account = entry.Text("id");
            foreach (var messaging in entry.Items("messaging"))
            {
                var parsed = account is null ? 0 : Messaging(account, messaging, engagements, statuses);
                ignored += parsed == 0 ? 1 : 0;
            }

            foreach (var change in entry.Items("changes"))
            {
                if (account is not null && Comment(account, entry, change) is { } comment)
                {
                    engagements.Add(comment);
                }
                else
                {
                    ignored++;
                }
            }
        }

        return Task.FromResult<ParsedPayload?>(new ParsedPayload(engagements, statuses, ignored));
    }

    /// <summary>One <c>messaging[]</c> item; returns how many engagements and statuses it gave.</summary>
    private int Messaging(
        string account,
        JsonElement item,
        List<ParsedEngagement> engagements,
        List<ParsedStatus> statuses
    )
    {
        var sender = item.Member("sender")?.Text("id");
        var at = item.UnixTime("timestamp");
        if (sender is null || at is null || sender == account)
        {
            return 0;
        }

        if (item.Member("message") is { } message)
        {
            if (message.Member("is_echo")?.ValueKind == JsonValueKind.True || message.Text("mid") is not { } mid)
            {
                return 0;
            }

            var attachments = message
                .Items("attachments")
                .Select(a => (Type: a.Text("type") ?? "file", Url: a.Member("payload")?.Text("url")))
                .Where(a => a.Url is not null)
                .Select(a => new Attachment(a.Url!, a.Type, null))
                .ToList();
            var details = new JsonObject();
            if (message.Member("quick_reply") is { } quick)
            {
                details["quickReply"] = quick.Text("payload");
            }

            if (message.Member("reply_to") is { } replyTo)
            {
                details["replyTo"] = JsonNode.Parse(replyTo.GetRawText());
            }

            engagements.Add(
                new ParsedEngagement(
                    account,
                    new InboundEngagement(
                        mid,
                        null,
                        new EngagementAuthor(sender, null, null),
                        JsonReading.Clean(message.Text("text")),
                        attachments,
                        "private",
                        null,
                        at.Value,
                        Metadata(details)
                    )
                )
            );
            return 1;
        }

        if (
            item.Member("postback") is { } postback
            && (postback.Text("mid") ?? $"postback-{sender}-{at.Value.ToUnixTimeMilliseconds()}") is { } postbackId
        )
        {
            engagements.Add(
                new ParsedEngagement(
                    account,
                    new InboundEngagement(
                        postbackId,
                        null,
                        new EngagementAuthor(sender, null, null),
                        JsonReading.Clean(postback.Text("title")),
                        [],
                        "private",
                        null,
                        at.Value,
                        Metadata(new JsonObject { ["postback"] = postback.Text("payload") })
                    )
                )
            );
            return 1;
        }

        if (item.Member("delivery") is { } delivery)
        {
            var mids = delivery.Items("mids").Select(m => m.GetString()).OfType<string>().ToList();
            var watermark = delivery.UnixTime("watermark") ?? at.Value;
            statuses.AddRange(
                mids.Count > 0
                    ? mids.Select(m => new ParsedStatus(account, m, ReplyStatuses.Delivered, watermark, null))
                    : [new ParsedStatus(account, null, ReplyStatuses.Delivered, watermark, null, sender)]
            );
            return 1;
        }

        if (item.Member("read") is { } read)
        {
            statuses.Add(
                new ParsedStatus(
                    account,
                    null,
                    ReplyStatuses.Read,
                    read.UnixTime("watermark") ?? at.Value,
                    null,
                    sender
                )
            );
            return 1;
        }

        return 0;
    }

    /// <summary>An Instagram comment on one of the account's media: public, one thread per media. Our own comments are
    /// ignored.</summary>
    private ParsedEngagement? Comment(string account, JsonElement entry, JsonElement change)
    {
        if (
            profile.Type != ChannelTypes.Instagram
            || change.Text("field") is not ("comments" or "live_comments")
            || change.Member("value") is not { } value
            || value.Text("id") is not { } id
            || value.Member("from") is not { } from
            || from.Text("id") is not { } author
            || author == account
        )
        {
            return null;
        }

        var media = value.Member("media")?.Text("id");
        var details = new JsonObject
        {
            ["field"] = change.Text("field"),
            ["mediaId"] = media,
            ["parentId"] = value.Text("parent_id"),
        };
        return new ParsedEngagement(
            account,
            new InboundEngagement(
                id,
                media is null ? null : $"media:{media}",
                new EngagementAuthor(author, null, JsonReading.Clean(from.Text("username"))),
                JsonReading.Clean(value.Text("text")),
                [],
                "public",
                null,
                entry.UnixTime("time") ?? DateTimeOffset.UtcNow,
                Metadata(details)
            )
        );
    }

    private JsonElement Metadata(JsonObject details) =>
        JsonSerializer.SerializeToElement(new JsonObject { [profile.Type] = details });

    public HttpRequestMessage CreateSend(ReplyRequested reply, Channel channel)
    {
        if (reply.Visibility == "public" && reply.InReplyTo is { } comment)
        {
            // A comment id came from a payload or a partner: escaped, it names one Graph node and nothing else.
            return MetaGraph.Post(
                channel,
                $"{PlatformPaths.Segment(comment)}/replies",
                new JsonObject { ["message"] = reply.Text }
            );
        }

        var message = reply.Attachments is [var attachment, ..]
            ? new JsonObject
            {
                ["attachment"] = new JsonObject
                {
                    ["type"] = AttachmentType(attachment.MediaType),
                    ["payload"] = new JsonObject { ["url"] = attachment.Url, ["is_reusable"] = true },
                },
            }
            : new JsonObject { ["text"] = reply.Text };
        var body = new JsonObject
        {
            ["recipient"] = new JsonObject { ["id"] = reply.Recipient },
            ["messaging_type"] = reply.MessageTag is null ? "RESPONSE" : "MESSAGE_TAG",
        };
        if (reply.MessageTag is { } tag)
        {
            body["tag"] = tag;
        }

        body["message"] = message;
        return MetaGraph.Post(
            channel,
            $"{PlatformPaths.Segment(channel.Required(profile.AccountSetting))}/messages",
            body
        );
    }

    private static string AttachmentType(string mediaType) =>
        mediaType.Split('/')[0] switch
        {
            "image" => "image",
            "video" => "video",
            "audio" => "audio",
            _ => "file",
        };

    /// <summary>The Send API answers <c>{"recipient_id", "message_id"}</c>; a comment reply answers
    /// <c>{"id"}</c>.</summary>
    public string? ReadMessageId(JsonElement response) => response.Text("message_id") ?? response.Text("id");

    public PlatformError ReadError(int status, string body) => MetaGraph.ReadError(status, body);
}
