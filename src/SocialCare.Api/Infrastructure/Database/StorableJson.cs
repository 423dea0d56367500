using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SocialCare.Api.Infrastructure.Database;

/// <summary>
/// JSON from outside that must be kept whatever it holds (a platform retries a refused webhook for days), made
/// storable: U+0000 dropped, unpaired surrogates and invalid UTF-8 replaced by U+FFFD, numbers beyond numeric kept as
/// their text.
/// </summary>
public static class StorableJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Parses <paramref name="json"/>, cleaned first when it holds anything PostgreSQL refuses; malformed JSON
    /// throws <see cref="JsonException"/>.</summary>
    public static JsonDocument Parse(ReadOnlyMemory<byte> json)
    {
        var document = JsonDocument.Parse(json);
        if (Validation.JsonBodyScanner.Scan(json.Span, default) is null)
        {
            return document;
        }

        using (document)
        {
            return JsonDocument.Parse(Rewrite(json.Span));
        }
    }

    /// <summary>A string element's value, storable; unlike <see cref="JsonElement.GetString"/> it never throws on bad
    /// text.</summary>
    public static string GetString(JsonElement element)
    {
        try
        {
            return StorableValues.Clean(element.GetString()!);
        }
        catch (InvalidOperationException)
        {
            var raw = JsonMarshal.GetRawUtf8Value(element);
            return Decode(raw[1..^1]);
        }
    }

    private static byte[] Rewrite(ReadOnlySpan<byte> json)
    {
        var output = new ArrayBufferWriter<byte>(json.Length);
        using (var writer = new Utf8JsonWriter(output, WriterOptions))
        {
            var reader = new Utf8JsonReader(json);
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        writer.WriteStartObject();
                        break;
                    case JsonTokenType.EndObject:
                        writer.WriteEndObject();
                        break;
                    case JsonTokenType.StartArray:
                        writer.WriteStartArray();
                        break;
                    case JsonTokenType.EndArray:
                        writer.WriteEndArray();
                        break;
                    case JsonTokenType.PropertyName:
                        writer.WritePropertyName(Decode(reader.ValueSpan));
                        break;
                    case JsonTokenType.String:
                        writer.WriteStringValue(Decode(reader.ValueSpan));
                        break;
                    case JsonTokenType.Number when StorableValues.IsStorableNumber(reader.ValueSpan):
                        writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                        break;
                    case JsonTokenType.Number:
                        writer.WriteStringValue(reader.ValueSpan);
                        break;
                    case JsonTokenType.True or JsonTokenType.False:
                        writer.WriteBooleanValue(reader.GetBoolean());
                        break;
                    default:
                        writer.WriteNullValue();
                        break;
                }
            }
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>Unescapes a JSON string's raw bytes leniently (an unpaired <c>\ud800</c> stays a char, bad UTF-8
    /// becomes U+FFFD), then cleans it.</summary>
    private static string Decode(ReadOnlySpan<byte> raw)
    {
        var text = new StringBuilder(raw.Length);
        while (raw.Length > 0)
        {
            var backslash = raw.IndexOf((byte)'\\');
            var plain = backslash < 0 ? raw : raw[..backslash];
            text.Append(Encoding.UTF8.GetString(plain));
            if (backslash < 0 || backslash + 1 >= raw.Length)
            {
                break;
            }

            var escape = raw[backslash + 1];
            var length = escape == 'u' && backslash + 6 <= raw.Length ? 6 : 2;
            text.Append(
                escape switch
                {
                    (byte)'n' => '\n',
                    (byte)'t' => '\t',
                    (byte)'r' => '\r',
                    (byte)'b' => '\b',
                    (byte)'f' => '\f',
                    (byte)'u' when length == 6 => (char)
                        int.Parse(raw.Slice(backslash + 2, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    _ => (char)escape,
                }
            );
            raw = raw[(backslash + length)..];
        }

        return StorableValues.Clean(text.ToString());
    }
}
