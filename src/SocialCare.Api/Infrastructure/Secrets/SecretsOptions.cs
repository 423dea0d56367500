using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace SocialCare.Api.Infrastructure.Secrets;

/// <summary>
/// The key ring for secrets at rest: <c>Secrets:Keys:&lt;keyId&gt;</c> = the base64 of 32 random bytes (several may be
/// configured: the ones older values were encrypted under), and <c>Secrets:ActiveKey</c> = the key id new values are
/// encrypted under. A key set to an empty value counts as absent, so that a configuration layer can remove one.
/// </summary>
public sealed class SecretsOptions
{
    public const string Section = "Secrets";

    public Dictionary<string, string?> Keys { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public string? ActiveKey { get; set; }

    /// <summary>The configured keys, decoded (call after validation).</summary>
    internal Dictionary<string, byte[]> Decoded() =>
        Keys.Where(k => !string.IsNullOrWhiteSpace(k.Value))
            .ToDictionary(k => k.Key, k => Convert.FromBase64String(k.Value!.Trim()), StringComparer.OrdinalIgnoreCase);
}

internal sealed partial class SecretsOptionsValidator : IValidateOptions<SecretsOptions>
{
    public const int KeySize = 32;

    private const string HowTo =
        "Set Secrets:Keys:<keyId> (environment Secrets__Keys__<keyId>) to the base64 of 32 random bytes "
        + "(e.g. `openssl rand -base64 32`) and Secrets:ActiveKey (Secrets__ActiveKey) to that keyId; "
        + "./infra/dev.sh does this for development "
        + "with a key it keeps in .data/secrets-key.";

    /// <summary>Letters, digits, '-' and '_': a key id is part of every ciphertext's prefix, which ':'
    /// delimits.</summary>
    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex KeyId();

    public ValidateOptionsResult Validate(string? name, SecretsOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ActiveKey))
        {
            return ValidateOptionsResult.Fail("The hub encrypts stored secrets and has no key to do it with. " + HowTo);
        }

        foreach (var (id, value) in options.Keys.Where(k => !string.IsNullOrWhiteSpace(k.Value)))
        {
            if (!KeyId().IsMatch(id))
            {
                return ValidateOptionsResult.Fail(
                    $"Secrets:Keys:{id}: a key id is 1 to 64 letters, digits, '-' or '_'."
                );
            }

            if (!IsKey(value!))
            {
                return ValidateOptionsResult.Fail(
                    $"Secrets:Keys:{id} is not the base64 of exactly {KeySize} bytes. " + HowTo
                );
            }
        }

        return options.Keys.TryGetValue(options.ActiveKey.Trim(), out var active) && !string.IsNullOrWhiteSpace(active)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Secrets:ActiveKey is '{options.ActiveKey}', but Secrets:Keys:{options.ActiveKey} is not set. " + HowTo
            );
    }

    private static bool IsKey(string value)
    {
        Span<byte> bytes = stackalloc byte[KeySize + 3];
        return Convert.TryFromBase64String(value.Trim(), bytes, out var written) && written == KeySize;
    }
}
