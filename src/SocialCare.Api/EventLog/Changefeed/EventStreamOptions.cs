namespace SocialCare.Api.EventLog.Changefeed;

/// <summary>The Server-Sent Events tail of the changefeed (configuration section <c>Events</c>).</summary>
public sealed class EventStreamOptions
{
    public const string Section = "Events";

    /// <summary>
    /// A stream that has sent nothing for this long sends a comment, so that proxies keep it open; the key is checked
    /// again at least this often, so a revoked key's stream ends within it.
    /// </summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A stream ends after 90–100 % of this (spread, so that streams opened together do not all reconnect together);
    /// the client resumes with <c>Last-Event-ID</c>. Long-lived streams would otherwise pin an instance forever.
    /// </summary>
    public TimeSpan MaxStreamLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Streams one API key may hold open at once on one instance; past it, 429.</summary>
    public int MaxStreamsPerKey { get; set; } = 10;
}
