using System.Security.Cryptography;
using System.Text;

namespace SocialCare.FakePlatform;

/// <summary>Signs and pushes webhooks into a hub the way Meta and X do: over the exact bytes sent.</summary>
public static class PlatformWebhooks
{
    /// <summary>Meta's <c>X-Hub-Signature-256</c> value.</summary>
    public static string MetaSignature(string appSecret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), body));

    /// <summary>X's <c>x-twitter-webhooks-signature</c> value.</summary>
    public static string XSignature(string consumerSecret, byte[] body) =>
        "sha256=" + Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(consumerSecret), body));

    /// <summary>POSTs <paramref name="body"/> to the hub's webhook for a channel account, signed as Meta
    /// signs.</summary>
    public static Task<HttpResponseMessage> PushMetaAsync(
        HttpClient hub,
        string type,
        Guid channelId,
        string appSecret,
        string body
    ) =>
        PushAsync(
            hub,
            $"/v1/hooks/{type}/{channelId}",
            body,
            "X-Hub-Signature-256",
            MetaSignature(appSecret, Encoding.UTF8.GetBytes(body))
        );

    /// <summary>POSTs <paramref name="body"/> to the hub's X webhook for a channel account, signed as X
    /// signs.</summary>
    public static Task<HttpResponseMessage> PushXAsync(
        HttpClient hub,
        Guid channelId,
        string consumerSecret,
        string body
    ) =>
        PushAsync(
            hub,
            $"/v1/hooks/x/{channelId}",
            body,
            "x-twitter-webhooks-signature",
            XSignature(consumerSecret, Encoding.UTF8.GetBytes(body))
        );

    public static async Task<HttpResponseMessage> PushAsync(
        HttpClient hub,
        string path,
        string body,
        string header,
        string signature
    )
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(header, signature);
        return await hub.SendAsync(request);
    }
}
