namespace SocialCare.Api.Infrastructure.Telemetry;

/// <summary>The hub's ids are UUIDv7 (RFC 9562): their first 48 bits are the Unix time in milliseconds they were made
/// at, so an event's id tells when it was recorded to the millisecond.</summary>
public static class UuidV7
{
    /// <summary>When a version 7 id was made; none for another version.</summary>
    public static DateTimeOffset? TimeOf(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        if (bytes[6] >> 4 != 7)
        {
            return null;
        }

        long milliseconds = 0;
        for (var i = 0; i < 6; i++)
        {
            milliseconds = (milliseconds << 8) | bytes[i];
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
    }
}
