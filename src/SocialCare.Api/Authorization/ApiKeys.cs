using System.Security.Cryptography;
using System.Text;

namespace SocialCare.Api.Authorization;

/// <summary>Makes and hashes API keys: <c>sch_</c> followed by 40 base62 characters (about 238 bits).</summary>
public static class ApiKeys
{
    public const string Prefix = "sch_";
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string Generate() => Prefix + RandomNumberGenerator.GetString(Alphabet, 40);

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>The key in an <c>Authorization: Bearer &lt;key&gt;</c> header, or null when the header is not of that
    /// form.</summary>
    public static string? FromBearer(string? header) =>
        header is { Length: > 7 } && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? header[7..].Trim()
            : null;

    /// <summary>What a listing shows of a key: enough to recognise it, too little to use it.</summary>
    public static string Hint(string key) => key.Length <= 12 ? "…" : $"{key[..8]}…{key[^4..]}";
}
