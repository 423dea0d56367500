namespace SocialCare.Api.Channels.Replies;

/// <summary>Ids in platform API paths.</summary>
public static class PlatformPaths
{
    /// <summary>
    /// An id (a comment, a page, a phone number id, a user) as one path segment. The id came from a payload, a partner
    /// or a setting: escaped, and never a dot segment, it names that one object and cannot walk to another path.
    /// </summary>
    public static string Segment(string id) =>
        id is "." or ".." || id.Length == 0
            ? throw new ArgumentException($"'{id}' is not a platform id.", nameof(id))
            : Uri.EscapeDataString(id);
}
