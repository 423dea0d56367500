using System.Globalization;
using System.Text.Json.Nodes;

namespace SocialCare.FakePlatform;

/// <summary>
/// Webhook payloads in the platforms' documented shapes. Serialised as Meta and X send them: compact JSON with
/// non-ASCII text as <c>\uXXXX</c> escapes (the bytes they sign).
/// </summary>
public static class PlatformPayloads
{
    public static string WhatsAppText(
        string phoneNumberId,
        string from,
        string name,
        string wamid,
        string text,
        DateTimeOffset at
    ) =>
        WhatsApp(
            phoneNumberId,
            new JsonObject
            {
                ["contacts"] = new JsonArray(
                    new JsonObject
                    {
                        ["profile"] = new JsonObject { ["name"] = name },
                        ["wa_id"] = from,
                    }
                ),
                ["messages"] = new JsonArray(
                    new JsonObject
                    {
                        ["from"] = from,
                        ["id"] = wamid,
                        ["timestamp"] = Seconds(at),
                        ["type"] = "text",
                        ["text"] = new JsonObject { ["body"] = text },
                    }
                ),
            }
        );

    /// <summary>A status of a message the business sent: sent, delivered, read, or failed with WhatsApp's
    /// error.</summary>
    public static string WhatsAppStatus(
        string phoneNumberId,
        string wamid,
        string recipient,
        string status,
        DateTimeOffset at,
        int? errorCode = null,
        string? errorTitle = null
    )
    {
        var item = new JsonObject
        {
            ["id"] = wamid,
            ["status"] = status,
            ["timestamp"] = Seconds(at),
            ["recipient_id"] = recipient,
        };
        if (status != "failed")
        {
            item["conversation"] = new JsonObject
            {
                ["id"] = "4fbc9ab8f2a1bd8f1b5c6a3e1f6f4d21",
                ["origin"] = new JsonObject { ["type"] = "service" },
            };
            item["pricing"] = new JsonObject
            {
                ["billable"] = true,
                ["pricing_model"] = "PMP",
                ["category"] = "service",
                ["type"] = "regular",
            };
        }
        else
        {
            item["errors"] = new JsonArray(
                new JsonObject { ["code"] = errorCode ?? 131026, ["title"] = errorTitle ?? "Message undeliverable" }
            );
        }

        return WhatsApp(phoneNumberId, new JsonObject { ["statuses"] = new JsonArray(item) });
    }

    public static string MessengerText(string pageId, string psid, string mid, string text, DateTimeOffset at) =>
        Messaging(
            "page",
            pageId,
            psid,
            at,
            new JsonObject
            {
                ["message"] = new JsonObject { ["mid"] = mid, ["text"] = text },
            }
        );

    /// <summary>Messenger's and Instagram's receipts for what the account sent: delivered (by message id) and read (a
    /// watermark).</summary>
    public static string Receipt(
        string platform,
        string account,
        string user,
        string mid,
        bool read,
        DateTimeOffset at
    ) =>
        Messaging(
            platform == "instagram" ? "instagram" : "page",
            account,
            user,
            at,
            read
                ? new JsonObject { ["read"] = new JsonObject { ["watermark"] = at.ToUnixTimeMilliseconds() } }
                : new JsonObject
                {
                    ["delivery"] = new JsonObject
                    {
                        ["mids"] = new JsonArray(mid),
                        ["watermark"] = at.ToUnixTimeMilliseconds(),
                    },
                }
        );

    public static string InstagramText(
        string instagramAccountId,
        string igsid,
        string mid,
        string text,
        DateTimeOffset at
    ) =>
        Messaging(
            "instagram",
            instagramAccountId,
            igsid,
            at,
            new JsonObject
            {
                ["message"] = new JsonObject { ["mid"] = mid, ["text"] = text },
            }
        );

    public static string InstagramComment(
        string instagramAccountId,
        string igsid,
        string username,
        string commentId,
        string mediaId,
        string text,
        DateTimeOffset at
    ) =>
        new JsonObject
        {
            ["object"] = "instagram",
            ["entry"] = new JsonArray(
                new JsonObject
                {
                    ["id"] = instagramAccountId,
                    ["time"] = at.ToUnixTimeSeconds(),
                    ["changes"] = new JsonArray(
                        new JsonObject
                        {
                            ["field"] = "comments",
                            ["value"] = new JsonObject
                            {
                                ["from"] = new JsonObject { ["id"] = igsid, ["username"] = username },
                                ["media"] = new JsonObject { ["id"] = mediaId, ["media_product_type"] = "FEED" },
                                ["id"] = commentId,
                                ["text"] = text,
                            },
                        }
                    ),
                }
            ),
        }.ToJsonString();

    /// <summary>An Account Activity <c>tweet_create_events</c> payload: a mention of, or reply to, the brand
    /// account.</summary>
    public static string XMention(
        string ourUserId,
        string tweetId,
        string userId,
        string name,
        string screenName,
        string text,
        DateTimeOffset at,
        string? inReplyTo = null
    ) =>
        new JsonObject
        {
            ["for_user_id"] = ourUserId,
            ["tweet_create_events"] = new JsonArray(
                new JsonObject
                {
                    ["created_at"] = at.ToUniversalTime()
                        .ToString("ddd MMM dd HH:mm:ss +0000 yyyy", CultureInfo.InvariantCulture),
                    ["id_str"] = tweetId,
                    ["text"] = text,
                    ["in_reply_to_status_id_str"] = inReplyTo,
                    ["in_reply_to_user_id_str"] = ourUserId,
                    ["user"] = new JsonObject
                    {
                        ["id_str"] = userId,
                        ["name"] = name,
                        ["screen_name"] = screenName,
                    },
                    ["timestamp_ms"] = at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                    ["lang"] = "en",
                }
            ),
        }.ToJsonString();

    /// <summary>An Account Activity <c>direct_message_events</c> payload: a DM to the brand account.</summary>
    public static string XDirectMessage(
        string ourUserId,
        string dmId,
        string senderId,
        string name,
        string screenName,
        string text,
        DateTimeOffset at
    ) =>
        new JsonObject
        {
            ["for_user_id"] = ourUserId,
            ["direct_message_events"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = "message_create",
                    ["id"] = dmId,
                    ["created_timestamp"] = at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                    ["message_create"] = new JsonObject
                    {
                        ["target"] = new JsonObject { ["recipient_id"] = ourUserId },
                        ["sender_id"] = senderId,
                        ["message_data"] = new JsonObject { ["text"] = text },
                    },
                }
            ),
            ["users"] = new JsonObject
            {
                [senderId] = new JsonObject
                {
                    ["id"] = senderId,
                    ["name"] = name,
                    ["screen_name"] = screenName,
                },
            },
        }.ToJsonString();

    private static string WhatsApp(string phoneNumberId, JsonObject value)
    {
        value["messaging_product"] = "whatsapp";
        value["metadata"] = new JsonObject
        {
            ["display_phone_number"] = "15550783881",
            ["phone_number_id"] = phoneNumberId,
        };
        return new JsonObject
        {
            ["object"] = "whatsapp_business_account",
            ["entry"] = new JsonArray(
                new JsonObject
                {
                    ["id"] = "102290129340398",
                    ["changes"] = new JsonArray(new JsonObject { ["value"] = value, ["field"] = "messages" }),
                }
            ),
        }.ToJsonString();
    }

    private static string Messaging(string @object, string account, string user, DateTimeOffset at, JsonObject item)
    {
        item["sender"] = new JsonObject { ["id"] = user };
        item["recipient"] = new JsonObject { ["id"] = account };
        item["timestamp"] = at.ToUnixTimeMilliseconds();
        return new JsonObject
        {
            ["object"] = @object,
            ["entry"] = new JsonArray(
                new JsonObject
                {
                    ["id"] = account,
                    ["time"] = at.ToUnixTimeMilliseconds(),
                    ["messaging"] = new JsonArray(item),
                }
            ),
        }.ToJsonString();
    }

    private static string Seconds(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
}
