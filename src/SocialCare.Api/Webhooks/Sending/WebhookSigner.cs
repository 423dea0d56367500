using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SocialCare.Api.Webhooks.Sending;

/// <summary>
/// Standard Webhooks 1.0 signatures: <c>v1,</c> + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), where the key is
/// the base64-decoded part of a <c>whsec_</c> secret. During a secret rotation a delivery carries one signature per
/// valid secret, space-separated; receivers accept the message if any one verifies.
/// </summary>
public static class WebhookSigner
{
    public const string SecretPrefix = "whsec_";

    /// <summary>A new secret: 32 random bytes (the spec allows 24 to 64), base64-encoded behind
    /// <c>whsec_</c>.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static string Sign(string secret, string messageId, long timestamp, ReadOnlySpan<byte> body)
    {
        var key = Convert.FromBase64String(
            secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret
        );
        var prefix = Encoding.UTF8.GetBytes($"{messageId}.{timestamp.ToString(CultureInfo.InvariantCulture)}.");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }

    /// <summary>The <c>webhook-signature</c> header value: one signature per secret, space-separated.</summary>
    public static string SignatureHeader(
        IEnumerable<string> secrets,
        string messageId,
        long timestamp,
        ReadOnlySpan<byte> body
    )
    {
        var signatures = new List<string>();
        foreach (var secret in secrets)
        {
            signatures.Add(Sign(secret, messageId, timestamp, body));
        }

        return string.Join(' ', signatures);
    }
}
