using System.Diagnostics.Metrics;

namespace SocialCare.Api.Infrastructure.Telemetry;

/// <summary>
/// The hub's own instruments (the meter <c>SocialCare.Hub</c>), recorded where the work happens; the figures only the
/// database knows — relay lag, backlogs, endpoint health, SLA timers, dead letters — are sampled by
/// <see cref="OperationalFigures"/>. docs/operations.md lists them with the thresholds to alert on.
/// </summary>
public sealed class HubMetrics
{
    public const string MeterName = "SocialCare.Hub";

    public HubMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        Engagements = Meter.CreateCounter<long>(
            "socialcare.engagements.ingested",
            "{engagement}",
            "Engagements ingested, by channel type and outcome (accepted, duplicate)."
        );
        AcceptDuration = Meter.CreateHistogram(
            "socialcare.engagements.accept.duration",
            "s",
            "From an engagement's arrival at ingestion to its commit.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets }
        );
        EventsAppended = Meter.CreateCounter<long>(
            "socialcare.events.appended",
            "{event}",
            "Events committed to the log by this instance."
        );
        EventsPublished = Meter.CreateCounter<long>(
            "socialcare.relay.published",
            "{event}",
            "Events the relay published and the broker confirmed."
        );
        WebhookAttempts = Meter.CreateCounter<long>(
            "socialcare.webhook.attempts",
            "{attempt}",
            "Webhook attempts, by subscription and outcome (delivered, retrying, failed)."
        );
        WebhookAttemptDuration = Meter.CreateHistogram(
            "socialcare.webhook.attempt.duration",
            "s",
            "How long an endpoint took to answer an attempt.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets }
        );
        WebhookDeliveryLatency = Meter.CreateHistogram(
            "socialcare.webhook.delivery.latency",
            "s",
            "From an event's commit to its delivery's success, by subscription.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets }
        );
        PlatformSends = Meter.CreateCounter<long>(
            "socialcare.channel.sends",
            "{message}",
            "Replies sent to a platform, by channel account and outcome (sent, or the platform error's code)."
        );
        Meter.CreateObservableGauge(
            "socialcare.relay.leader",
            () => Volatile.Read(ref _leading),
            description: "1 while this instance leads the relay (publishes the log to the broker)."
        );
    }

    private int _leading;

    /// <summary>Notes whether this instance leads the relay.</summary>
    public void RelayLeading(bool leading) => Volatile.Write(ref _leading, leading ? 1 : 0);

    /// <summary>Seconds, from a millisecond to a day: accept latency is milliseconds, a delivery's can be hours.</summary>
    private static readonly double[] LatencyBuckets =
    [
        0.001,
        0.0025,
        0.005,
        0.01,
        0.025,
        0.05,
        0.1,
        0.25,
        0.5,
        1,
        2.5,
        5,
        10,
        30,
        60,
        300,
        1800,
        3600,
        21600,
        86400,
    ];

    public Meter Meter { get; }

    public Counter<long> Engagements { get; }

    public Histogram<double> AcceptDuration { get; }

    public Counter<long> EventsAppended { get; }

    public Counter<long> EventsPublished { get; }

    public Counter<long> WebhookAttempts { get; }

    public Histogram<double> WebhookAttemptDuration { get; }

    public Histogram<double> WebhookDeliveryLatency { get; }

    public Counter<long> PlatformSends { get; }
}
