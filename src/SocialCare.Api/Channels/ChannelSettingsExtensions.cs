using System.Text.Json;

namespace SocialCare.Api.Channels;

/// <summary>Reading a channel account's settings and write-only secrets by name.</summary>
public static class ChannelSettingsExtensions
{
    /// <summary>A setting as text: a string as it is, a number (an id stored unquoted, such as a phone number id) as
    /// written.</summary>
    public static string? Setting(this Channel channel, string name) =>
        channel.Settings.TryGetValue(name, out var value) || channel.Secrets.TryGetValue(name, out value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            }
            : null;

    public static string Required(this Channel channel, string name) =>
        channel.Setting(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Channel {channel.Id} has no '{name}' setting.");

    public static bool Has(this Channel channel, string name) => channel.Setting(name) is { Length: > 0 };

    /// <summary>An API base URL setting without its trailing slash, or the platform's own.</summary>
    public static string BaseUrl(this Channel channel, string name, string platformDefault) =>
        (channel.Setting(name) is { Length: > 0 } configured ? configured : platformDefault).TrimEnd('/');
}
