namespace SocialCare.Api.Channels;

/// <summary>Native channel connectors (configuration section <c>Connectors</c>).</summary>
public sealed class ConnectorOptions
{
    public const string Section = "Connectors";

    /// <summary>
    /// The service key of the platform calls' <see cref="Infrastructure.Outbound.OutboundRule"/>: an API base URL
    /// override carries the account's token, so it must be https on a public host, checked when saved and on every
    /// connection.
    /// </summary>
    public const string Targets = "platform-targets";

    /// <summary>
    /// Allow a channel's API base URL override to use http and loopback or private hosts: for development and tests (a
    /// fake platform on this machine), never in production.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>How long one call to a platform may take.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after a 429, a 5xx, a timeout or a broken connection; then the reply fails
    /// (reply.failed).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first retry's wait, doubling (with jitter) after it, when the platform does not say how long to
    /// wait.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between retries: a longer <c>Retry-After</c> is cut to this.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>After this many failures in a row to one channel account, calls to it stop for <see
    /// cref="BreakDuration"/> (each reply fails at once).</summary>
    public int BreakAfterFailures { get; set; } = 10;

    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The queue the reply dispatcher consumes <c>reply.requested</c> from. Instances of one deployment share it
    /// (competing consumers); a hub on another database must not.
    /// </summary>
    public string ReplyQueue { get; set; } = "socialcare-replies";

    /// <summary>A non-durable queue deleted when the hub stops: for throwaway hubs (tests), never for a
    /// deployment.</summary>
    public bool ReplyQueueTemporary { get; set; }
}
