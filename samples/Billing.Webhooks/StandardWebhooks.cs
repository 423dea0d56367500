using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Billing.Webhooks;

/// <summary>
/// Verifies a Standard Webhooks delivery: <c>webhook-signature</c> holds one or more <c>v1,&lt;base64&gt;</c>
/// signatures of <c>{webhook-id}.{webhook-timestamp}.{body}</c> (HMAC-SHA256 keyed with the base64 part of the
/// <c>whsec_</c> secret), and the timestamp must be recent, so a captured delivery cannot be replayed later.
/// </summary>
public sealed class StandardWebhooks(string secret, TimeSpan tolerance)
{
    private readonly byte[] _key = Convert.FromBase64String(
        secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret["whsec_".Length..] : secret
    );

    public enum Verdict
    {
        Valid,
        BadSignature,
        Stale,
    }

    public Verdict Verify(string? id, string? timestamp, string? signatures, byte[] body, DateTimeOffset now)
    {
        if (
            string.IsNullOrEmpty(id)
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || string.IsNullOrEmpty(signatures)
        )
        {
            return Verdict.BadSignature;
        }

        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance)
        {
            return Verdict.Stale;
        }

        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(body).ToArray();
        var expected = HMACSHA256.HashData(_key, signed);
        foreach (var candidate in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = candidate.Split(',', 2);
            if (
                parts is ["v1", var value]
                && TryDecode(value, out var actual)
                && CryptographicOperations.FixedTimeEquals(actual, expected)
            )
            {
                return Verdict.Valid;
            }
        }

        return Verdict.BadSignature;
    }

    private static bool TryDecode(string value, out byte[] bytes)
    {
        bytes = new byte[value.Length];
        if (Convert.TryFromBase64String(value, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }

        return false;
    }
}
