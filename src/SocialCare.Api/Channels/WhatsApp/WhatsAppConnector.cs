using System.Text.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.Channels.Meta;
using SocialCare.Api.Channels.Replies;
using SocialCare.Api.Conversations;
using SocialCare.Api.Engagements;
using SocialCare.Contracts;

namespace SocialCare.Api.Channels.WhatsApp;

/// <summary>
/// The WhatsApp Cloud API. In: <c>object: whatsapp_business_account</c>, <c>entry[].changes[].value</c> with
/// <c>messages[]</c> (every message type; one the hub does not know is kept with its raw payload and flagged) and
/// <c>statuses[]</c> of our replies. Out: <c>POST {graphApiBaseUrl}/{phoneNumberId}/messages</c> — text, one media
/// item, or an approved template.
/// </summary>
public sealed class WhatsAppConnector : IChannelConnector
{
    public const string PhoneNumberIdSetting = "phoneNumberId";
    private static readonly string[] MediaTypes = ["image", "video", "audio", "document", "sticker"];

    public string Type => ChannelTypes.WhatsApp;

    public string AccountSetting => PhoneNumberIdSetting;

    public IReadOnlyList<string> HookSettings { get; } =
    [PhoneNumberIdSetting, MetaGraph.AppSecretSetting, MetaGraph.VerifyTokenSetting];

    public IReadOnlyList<string> SendSettings { get; } = [PhoneNumberIdSetting, MetaGraph.AccessTokenSetting];

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
        if (payload.Text("object") != "whatsapp_business_account")
        {
            return Task.FromResult<ParsedPayload?>(null);
        }

        var engagements = new List<ParsedEngagement>();
        var statuses = new List<ParsedStatus>();
        var ignored = 0;
        var mediaBase = channel.BaseUrl(MetaGraph.BaseUrlSetting, MetaGraph.DefaultBaseUrl);
        foreach (var change in payload.Items("entry").SelectMany(e => e.Items("changes")))
        {
            if (
                change.Text("field") is not (null or "messages")
                || change.Member("value") is not { } value
                || value.Member("metadata")?.Text("phone_number_id") is not { } account
            )
            {
                ignored++;
                continue;
            }

            var names = value
                .Items("contacts")
                .Where(c => c.Text("wa_id") is not null)
                .GroupBy(c => c.Text("wa_id")!)
                .ToDictionary(g => g.Key, g => g.First().Member("profile")?.Text("name"));
            foreach (var message in value.Items("messages"))
            {
                if (Engagement(message, names, mediaBase) is { } engagement)
                {
                    engagements.Add(new ParsedEngagement(account, engagement));
                }
                else
                {
                    ignored++;
                }
            }

            foreach (var status in value.Items("statuses"))
            {
                if (Status(account, status) is { } parsed)
                {
                    statuses.Add(parsed);
                }
                else
                {
                    ignored++;
                }
            }
        }

        return Task.FromResult<ParsedPayload?>(new ParsedPayload(engagements, statuses, ignored));
    }

    private static InboundEngagement? Engagement(
        JsonElement message,
        Dictionary<string, string?> names,
        string mediaBase
    )
    {
        if (
            message.Text("id") is not { } id
            || message.Text("from") is not { } from
            || message.UnixTime("timestamp") is not { } at
        )
        {
            return null;
        }

        var type = message.Text("type") ?? "unknown";
        var content = message.Member(type);
        string? text = null;
        var attachments = new List<Attachment>();
        var details = new JsonObject { ["type"] = type };
        var known = true;
        switch (type)
        {
            case "text":
                text = content?.Text("body");
                break;
            case var media when MediaTypes.Contains(media) && content is { } item:
                text = item.Text("caption");
                var mediaId = item.Text("id");
                var url = item.Text("url") ?? (mediaId is null ? null : $"{mediaBase}/{mediaId}");
                if (url is not null)
                {
                    attachments.Add(new Attachment(url, item.Text("mime_type") ?? media, null));
                }

                details["media"] = JsonNode.Parse(item.GetRawText());
                break;
            case "location" when content is { } location:
                var place = string.Join(
                    ", ",
                    new[] { location.Text("name"), location.Text("address") }.Where(p => !string.IsNullOrWhiteSpace(p))
                );
                text = place.Length > 0 ? place : $"{location.Text("latitude")}, {location.Text("longitude")}";
                details["location"] = JsonNode.Parse(location.GetRawText());
                break;
            case "contacts":
                text = string.Join(
                    ", ",
                    message
                        .Items("contacts")
                        .Select(c => c.Member("name")?.Text("formatted_name"))
                        .Where(n => n is not null)
                );
                details["contacts"] = message.Member("contacts") is { } cards
                    ? JsonNode.Parse(cards.GetRawText())
                    : null;
                break;
            case "interactive" when content is { } interactive:
                var kind = interactive.Text("type");
                var answer = kind is null ? null : interactive.Member(kind);
                text = answer?.Text("title") ?? answer?.Text("body");
                details["reply"] = JsonNode.Parse(interactive.GetRawText());
                break;
            case "button" when content is { } button:
                text = button.Text("text");
                details["payload"] = button.Text("payload");
                break;
            case "reaction" when content is { } reaction:
                text = reaction.Text("emoji");
                details["reactedTo"] = reaction.Text("message_id");
                break;
            default:
                known = false;
                break;
        }

        if (message.Member("context") is { } context)
        {
            details["context"] = JsonNode.Parse(context.GetRawText());
        }

        var metadata = new JsonObject { ["whatsapp"] = details };
        if (!known)
        {
            metadata["unsupported"] = true;
            metadata["raw"] = JsonNode.Parse(message.GetRawText());
        }

        return new InboundEngagement(
            id,
            null,
            new EngagementAuthor(from, JsonReading.Clean(names.GetValueOrDefault(from)), null),
            JsonReading.Clean(text),
            attachments,
            "private",
            null,
            at,
            JsonSerializer.SerializeToElement(metadata)
        );
    }

    private static ParsedStatus? Status(string account, JsonElement status)
    {
        if (
            status.Text("id") is not { } id
            || status.UnixTime("timestamp") is not { } at
            || status.Text("status") is not { } value
            || !ReplyStatuses.Reportable.Contains(value)
        )
        {
            return null;
        }

        PlatformError? error = null;
        if (value == ReplyStatuses.Failed)
        {
            var first = status.Items("errors").FirstOrDefault();
            var details = first.ValueKind == JsonValueKind.Object ? first.Member("error_data")?.Text("details") : null;
            error =
                first.ValueKind == JsonValueKind.Object
                    ? new PlatformError(
                        first.Text("code") ?? "unknown",
                        $"{first.Text("title") ?? first.Text("message") ?? "Failed"}"
                            + $"{(details is null ? string.Empty : $" ({details})")}"
                    )
                    : new PlatformError("unknown", "WhatsApp reported the message failed without details.");
        }

        return new ParsedStatus(account, id, value, at, error);
    }

    public HttpRequestMessage CreateSend(ReplyRequested reply, Channel channel)
    {
        var body = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["recipient_type"] = "individual",
            ["to"] = reply.Recipient,
        };
        if (reply.Template is { } template)
        {
            var content = new JsonObject
            {
                ["name"] = template.Name,
                ["language"] = new JsonObject { ["code"] = template.Language },
            };
            if (template.Parameters.Count > 0)
            {
                content["components"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "body",
                        ["parameters"] = new JsonArray(
                            template
                                .Parameters.Select(p => (JsonNode)new JsonObject { ["type"] = "text", ["text"] = p })
                                .ToArray()
                        ),
                    }
                );
            }

            body["type"] = "template";
            body["template"] = content;
        }
        else if (reply.Attachments is [var attachment, ..])
        {
            var kind = MediaKind(attachment.MediaType, reply.Text is not null);
            var media = new JsonObject { ["link"] = attachment.Url };
            if (!string.IsNullOrEmpty(reply.Text))
            {
                media["caption"] = reply.Text;
            }

            body["type"] = kind;
            body[kind] = media;
        }
        else
        {
            body["type"] = "text";
            body["text"] = new JsonObject
            {
                ["body"] = reply.Text,
                ["preview_url"] = reply.Text?.Contains("https://", StringComparison.OrdinalIgnoreCase) == true,
            };
        }

        return MetaGraph.Post(
            channel,
            $"{PlatformPaths.Segment(channel.Required(PhoneNumberIdSetting))}/messages",
            body
        );
    }

    /// <summary>Images, videos and documents take a caption; audio does not, so audio with text goes as a
    /// document.</summary>
    private static string MediaKind(string mediaType, bool captioned) =>
        mediaType switch
        {
            _ when mediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase) => "image",
            _ when mediaType.StartsWith("video/", StringComparison.OrdinalIgnoreCase) => "video",
            _ when mediaType.StartsWith("audio/", StringComparison.OrdinalIgnoreCase) && !captioned => "audio",
            _ => "document",
        };

    public string? ReadMessageId(JsonElement response) =>
        response.Items("messages").FirstOrDefault() is { ValueKind: JsonValueKind.Object } first
            ? first.Text("id")
            : null;

    public PlatformError ReadError(int status, string body) => MetaGraph.ReadError(status, body);
}
