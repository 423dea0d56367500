using System.Security.Cryptography;
using System.Text;

namespace SocialCare.Api.Infrastructure.Secrets;

/// <summary>Comparing a value someone sent with a secret the hub holds (the admin key, a verify token, an expected
/// signature).</summary>
public static class SecretComparison
{
    /// <summary>
    /// Whether <paramref name="received"/> is exactly <paramref name="expected"/>, byte for byte in UTF-8 (no character
    /// folds into another, as ASCII encoding folds every non-ASCII one into '?'). The SHA-256 digests are compared, in
    /// constant time and always 32 bytes long, so neither the time taken nor an early exit tells anything of the
    /// expected value, its length included.
    /// </summary>
    public static bool AreEqual(string expected, string? received) =>
        received is not null
        && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)),
            SHA256.HashData(Encoding.UTF8.GetBytes(received))
        );
}
