namespace SocialCare.Api.Infrastructure.Database;

/// <summary>
/// What PostgreSQL accepts as a value, decided once for every kind of input. PostgreSQL refuses, at Bind, text holding
/// U+0000 (22021; in jsonb, the escape <c>\u0000</c> is 22P05), a jsonb string with an unpaired surrogate escape such
/// as <c>\ud800</c> (22P02) and a jsonb number past its numeric range (22003); Npgsql cannot even encode a .NET string
/// with an unpaired surrogate (EncoderFallbackException). A refusal at Bind is not only a failed statement: Npgsql
/// 10.0.3 marks an auto-prepared statement prepared on ParseComplete, so when the Bind of the execution that prepares
/// it fails, the statement stays "prepared" without its row description, and the next execution of that statement on
/// that physical connection throws "Received unexpected backend message DataRow" and breaks the connection — a 500 for
/// an innocent request. So such values never reach PostgreSQL: the API refuses them at its boundary (<see
/// cref="Validation.StorableInputMiddleware"/>), platform payloads are cleaned (<c>JsonReading</c>).
/// </summary>
public static class StorableValues
{
    /// <summary>Digits, sign, point and exponent of a JSON number; far beyond any real figure, far within numeric's
    /// range.</summary>
    public const int MaxNumberLength = 100;

    /// <summary>The largest exponent of a JSON number (numeric holds 131,072 digits before the point, 16,383
    /// after).</summary>
    public const int MaxExponent = 1000;

    /// <summary>True when <paramref name="text"/> holds no U+0000 and no unpaired UTF-16 surrogate.</summary>
    public static bool IsStorable(ReadOnlySpan<char> text)
    {
        if (text.Contains('\0'))
        {
            return false;
        }

        var firstSurrogate = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        return firstSurrogate < 0 || UnpairedSurrogateAt(text, firstSurrogate) < 0;
    }

    /// <summary>
    /// <paramref name="text"/> without U+0000, its unpaired surrogates replaced by U+FFFD: what a platform meant, or
    /// what an endpoint answered, made storable.
    /// </summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public static string? Clean(string? text)
    {
        if (text is null || IsStorable(text))
        {
            return text;
        }

        var chars = text.Replace("\0", string.Empty, StringComparison.Ordinal).ToCharArray();
        for (var i = UnpairedSurrogateAt(chars, 0); i >= 0; i = UnpairedSurrogateAt(chars, i + 1))
        {
            chars[i] = '\uFFFD';
        }

        return new string(chars);
    }

    /// <summary>True when a JSON number's text (as written) fits PostgreSQL's numeric, the type jsonb keeps numbers
    /// in.</summary>
    public static bool IsStorableNumber(ReadOnlySpan<byte> utf8Number)
    {
        if (utf8Number.Length > MaxNumberLength)
        {
            return false;
        }

        var e = utf8Number.IndexOfAny((byte)'e', (byte)'E');
        if (e < 0)
        {
            return true;
        }

        var digits = utf8Number[(e + 1)..].TrimStart("+-"u8).TrimStart((byte)'0');
        return digits.Length < 4 || (digits.Length == 4 && digits.SequenceCompareTo("1000"u8) <= 0);
    }

    private static int UnpairedSurrogateAt(ReadOnlySpan<char> text, int from)
    {
        for (var i = from; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
