using System.Security.Cryptography;
using System.Text;
using SocialCare.Api.Infrastructure.Secrets;

namespace SocialCare.Api.Channels.Hooks;

/// <summary>The platforms' webhook signatures: HMAC-SHA256 over the exact bytes, compared in constant time.</summary>
public static class HookSignatures
{
    /// <summary>Meta (WhatsApp, Messenger, Instagram): <c>X-Hub-Signature-256: sha256=&lt;lower-case hex&gt;</c>, keyed
    /// with the app secret.</summary>
    public static string Meta(string appSecret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), body));

    /// <summary>X: <c>x-twitter-webhooks-signature: sha256=&lt;base64&gt;</c>, keyed with the consumer secret; the CRC
    /// answer has the same form.</summary>
    public static string X(string consumerSecret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(consumerSecret), body));

    /// <summary>Whether a received signature or token is the expected one (see <see
    /// cref="SecretComparison.AreEqual"/>).</summary>
    public static bool Matches(string expected, string? received) => SecretComparison.AreEqual(expected, received);
}
