using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using SocialCare.Api.Infrastructure.Database;

namespace SocialCare.Api.Infrastructure.Validation;

internal enum UnstorableKind
{
    /// <summary>A string or member name holding U+0000 or an unpaired surrogate escape.</summary>
    Character,

    /// <summary>A number beyond what jsonb (numeric) holds.</summary>
    Number,

    /// <summary>A string that is not UTF-8.</summary>
    Encoding,
}

/// <summary>The first value of a JSON body that PostgreSQL would refuse, and its JSON path.</summary>
internal readonly record struct UnstorableValue(UnstorableKind Kind, string Path);

/// <summary>
/// Reads a JSON body once, token by token, looking at every string, member name and number — those of free-form members
/// (channel settings, context values, metadata) and of members the binder ignores included — before any binder or
/// handler sees it. Unescaping happens only for strings that carry escapes: raw JSON text cannot hold U+0000 (the
/// reader refuses control characters) nor, being valid UTF-8, a surrogate.
/// </summary>
internal static class JsonBodyScanner
{
    /// <summary>
    /// The first unstorable value, or null when there is none or the body is not JSON at all (the binder then answers
    /// malformed-json, saying where).
    /// </summary>
    public static UnstorableValue? Scan(ReadOnlySpan<byte> body, JsonReaderOptions options)
    {
        // The binder skips a byte-order mark; so must this, or a BOM would carry anything past it.
        var json = body.StartsWith("\uFEFF"u8) ? body[3..] : body;
        var reader = new Utf8JsonReader(json, options);
        var path = new JsonPathTracker();
        try
        {
            while (reader.Read())
            {
                path.Track(ref reader);
                var kind = reader.TokenType switch
                {
                    JsonTokenType.String or JsonTokenType.PropertyName => CheckString(ref reader),
                    JsonTokenType.Number when !StorableValues.IsStorableNumber(reader.ValueSpan) =>
                        UnstorableKind.Number,
                    _ => (UnstorableKind?)null,
                };
                if (kind is { } found)
                {
                    return new UnstorableValue(found, path.Render(json));
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: left to the binder.
        }

        return null;
    }

    private static UnstorableKind? CheckString(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        if (!Utf8.IsValid(raw))
        {
            return UnstorableKind.Encoding;
        }

        if (!reader.ValueIsEscaped)
        {
            return null;
        }

        var buffer = ArrayPool<char>.Shared.Rent(raw.Length);
        try
        {
            var length = reader.CopyString(buffer);
            return StorableValues.IsStorable(buffer.AsSpan(0, length)) ? null : UnstorableKind.Character;
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json will not unescape an unpaired surrogate such as \ud800.
            return UnstorableKind.Character;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }
}
