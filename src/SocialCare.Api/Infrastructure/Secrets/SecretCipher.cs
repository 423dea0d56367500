using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace SocialCare.Api.Infrastructure.Secrets;

/// <summary>
/// Encrypts the secrets the hub stores in PostgreSQL with AES-256-GCM under the configured key ring. A stored value
/// reads <c>enc:v1:&lt;keyId&gt;:&lt;base64url(nonce ‖ ciphertext ‖ tag)&gt;</c>: it names its format and the key it
/// needs, so that several keys can be in use while one is being retired. The associated data is that prefix and the
/// value's <c>context</c> (its table, column and row), so a ciphertext copied into another row or column fails
/// authentication there instead of being decrypted and, say, replayed as another request's answer.
/// </summary>
public sealed class SecretCipher
{
    /// <summary>How every encrypted value starts; a stored value without it was written before secrets were
    /// encrypted.</summary>
    public const string Marker = "enc:";
    private const string Version = "v1";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly Dictionary<string, byte[]> _keys;

    public SecretCipher(IOptions<SecretsOptions> options)
    {
        _keys = options.Value.Decoded();
        var active = options.Value.ActiveKey!.Trim();
        ActiveKeyId = _keys.Keys.First(id => string.Equals(id, active, StringComparison.OrdinalIgnoreCase));
        ActivePrefix = $"{Marker}{Version}:{ActiveKeyId}:";
    }

    public string ActiveKeyId { get; }

    /// <summary>How a value encrypted under the active key starts.</summary>
    public string ActivePrefix { get; }

    /// <summary>Whether the key ring holds <paramref name="keyId"/>.</summary>
    public bool Holds(string keyId) => _keys.ContainsKey(keyId);

    public string Protect(string plaintext, string context)
    {
        var input = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceSize + input.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_keys[ActiveKeyId], TagSize);
        aes.Encrypt(
            nonce,
            input,
            sealedBytes.AsSpan(NonceSize, input.Length),
            sealedBytes.AsSpan(NonceSize + input.Length),
            AssociatedData(ActivePrefix, context)
        );
        return ActivePrefix + Base64Url.EncodeToString(sealedBytes);
    }

    /// <summary>
    /// The plaintext of a stored value. A value without <see cref="Marker"/> is returned as it is: a hub of an older
    /// version wrote it, and the next start-up (or a re-encryption) encrypts it. Errors name the key and context, never
    /// a value.
    /// </summary>
    public string Unprotect(string stored, string context)
    {
        if (!stored.StartsWith(Marker, StringComparison.Ordinal))
        {
            return stored;
        }

        var parts = stored.Split(':');
        if (parts.Length != 4 || parts[1] != Version)
        {
            throw new CryptographicException($"The stored secret of {context} is not in a format this hub reads.");
        }

        if (!_keys.TryGetValue(parts[2], out var key))
        {
            throw new CryptographicException(
                $"The stored secret of {context} is encrypted under key '{parts[2]}', which Secrets:Keys does not hold."
            );
        }

        byte[] sealedBytes;
        try
        {
            sealedBytes = Base64Url.DecodeFromChars(parts[3]);
        }
        catch (FormatException e)
        {
            throw new CryptographicException($"The stored secret of {context} is damaged.", e);
        }

        if (sealedBytes.Length < NonceSize + TagSize)
        {
            throw new CryptographicException($"The stored secret of {context} is damaged.");
        }

        var length = sealedBytes.Length - NonceSize - TagSize;
        var output = new byte[length];
        using var aes = new AesGcm(key, TagSize);
        try
        {
            aes.Decrypt(
                sealedBytes.AsSpan(0, NonceSize),
                sealedBytes.AsSpan(NonceSize, length),
                sealedBytes.AsSpan(NonceSize + length),
                output,
                AssociatedData(stored[..(stored.Length - parts[3].Length)], context)
            );
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new CryptographicException(
                $"The stored secret of {context} failed authentication: it was changed, or belongs to another row.",
                e
            );
        }

        return Encoding.UTF8.GetString(output);
    }

    /// <summary>The same plaintext, encrypted under the active key.</summary>
    public string Reprotect(string stored, string context) => Protect(Unprotect(stored, context), context);

    private static byte[] AssociatedData(string prefix, string context) => Encoding.UTF8.GetBytes(prefix + context);
}
