namespace SocialCare.Api.Infrastructure.Database;

/// <summary>
/// Text the hub did not write itself — an endpoint's answer, a platform's error — made storable: PostgreSQL's text and
/// jsonb cannot hold U+0000, and a value it refuses fails the whole statement it is in (with a batch, everyone's rows).
/// </summary>
public static class StorableText
{
    public static string? Clean(string? text) => text?.Replace("\0", string.Empty, StringComparison.Ordinal);
}
