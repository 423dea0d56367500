namespace SocialCare.Api.Infrastructure.Telemetry;

/// <summary>Metrics and health thresholds (configuration section <c>Telemetry</c>); tracing and OTLP export follow the
/// standard <c>OTEL_*</c> variables (docs/operations.md).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Who may scrape <c>/metrics</c>: <c>admin</c> (the admin key, as a bearer token), <c>anonymous</c>
    /// (anyone who reaches it: keep it off the public network) or <c>off</c>.</summary>
    public string Scrape { get; set; } = ScrapeAccess.Admin;

    /// <summary>How often the figures only the database knows (relay lag, backlogs, endpoint health, SLA timers, dead
    /// letters) are sampled.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Relay lag beyond which <c>/health/ready</c> reports the relay Degraded (still 200: the lag is the
    /// cluster's, not this instance's).</summary>
    public TimeSpan MaxRelayLag { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>An SLA timer this far past its time without being handled counts as late.</summary>
    public TimeSpan LateTimer { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>The values of <see cref="TelemetryOptions.Scrape"/>.</summary>
public static class ScrapeAccess
{
    public const string Admin = "admin";
    public const string Anonymous = "anonymous";
    public const string Off = "off";

    public static readonly IReadOnlyList<string> All = [Admin, Anonymous, Off];
}
