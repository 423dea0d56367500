using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SocialCare.Api.Infrastructure.Validation;

/// <summary>
/// The JSON path (<c>$.values.note</c>, <c>$.attachments[2].url</c>) of a reader's current token, kept as offsets into
/// the body: nothing is decoded unless the path is shown.
/// </summary>
internal sealed class JsonPathTracker
{
    private readonly List<Frame> _frames = [];

    /// <summary>Call once for every token the reader reads, before looking at it.</summary>
    public void Track(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.PropertyName:
                _frames[^1] = _frames[^1] with
                {
                    NameStart = (int)reader.TokenStartIndex + 1,
                    NameLength = reader.ValueSpan.Length,
                };
                return;
            case JsonTokenType.EndObject or JsonTokenType.EndArray:
                _frames.RemoveAt(_frames.Count - 1);
                return;
        }

        if (_frames.Count > 0 && _frames[^1].IsArray)
        {
            _frames[^1] = _frames[^1] with { Index = _frames[^1].Index + 1 };
        }

        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            _frames.Add(new Frame(reader.TokenType == JsonTokenType.StartArray, -1, 0, 0));
        }
    }

    public string Render(ReadOnlySpan<byte> json)
    {
        var path = new StringBuilder("$");
        foreach (var frame in _frames)
        {
            if (frame.IsArray)
            {
                path.Append(CultureInfo.InvariantCulture, $"[{frame.Index}]");
            }
            else if (frame.NameLength > 0)
            {
                path.Append('.').Append(Encoding.UTF8.GetString(json.Slice(frame.NameStart, frame.NameLength)));
            }
        }

        return path.ToString();
    }

    private readonly record struct Frame(bool IsArray, int Index, int NameStart, int NameLength);
}
