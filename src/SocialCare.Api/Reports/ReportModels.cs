namespace SocialCare.Api.Reports;

/// <summary>How far the figures reach into the event log: every event up to <see cref="Sequence"/> counts;
/// <see cref="Behind"/> events committed since do not yet.</summary>
public sealed record ReportFreshness(long Sequence, long Behind);

/// <summary>A duration's figures in seconds: how many, their mean, and the nearest-rank percentiles (exact below
/// 100 s, rounded down to two significant figures above).</summary>
public sealed record DurationFigures(long Count, double? Mean, long? P50, long? P90, long? P99);

/// <summary>The share of the episodes that got a first response within 15 minutes, an hour and a day.</summary>
public sealed record AnsweredWithin(double? Within15Minutes, double? Within1Hour, double? Within24Hours);

/// <summary>Conversations resolved in their first episode with exactly one response and never reopened, and their
/// share of the conversations whose first episode was resolved.</summary>
public sealed record FirstContactResolution(long Count, double? Rate);

/// <summary>How many clocks of an SLA target were met and how many breached.</summary>
public sealed record SlaOutcome(long Met, long Breached);

/// <summary>SLA outcomes per target.</summary>
public sealed record SlaOutcomes(SlaOutcome FirstResponse, SlaOutcome NextResponse, SlaOutcome Resolution);

/// <summary>The response-time figures of one group (or of all, in <c>total</c>) of the episodes that started in the
/// range.</summary>
public sealed record ResponseTimeRow(
    string? Key,
    long Opened,
    long Reopened,
    long Acknowledged,
    long Responded,
    long Resolved,
    DurationFigures TimeToAcknowledge,
    DurationFigures TimeToFirstResponse,
    DurationFigures TimeToResolution,
    AnsweredWithin AnsweredWithin,
    FirstContactResolution FirstContactResolution,
    SlaOutcomes Sla
);

/// <summary>Response times of the episodes that started in [from, to).</summary>
public sealed record ResponseTimesReport(
    DateTimeOffset From,
    DateTimeOffset To,
    string TimeZone,
    bool BusinessHours,
    string? GroupBy,
    ReportFreshness AsOf,
    IReadOnlyList<ResponseTimeRow> Rows,
    ResponseTimeRow Total
);

/// <summary>Engagements in, replies out and new customers in one interval (and group).</summary>
public sealed record VolumeRow(DateTimeOffset Start, string? Key, long Inbound, long Outbound, long NewCustomers);

/// <summary>Volume per interval of [from, to).</summary>
public sealed record VolumeReport(
    DateTimeOffset From,
    DateTimeOffset To,
    string TimeZone,
    string Interval,
    string? GroupBy,
    ReportFreshness AsOf,
    IReadOnlyList<VolumeRow> Rows,
    VolumeRow Total
);

/// <summary>The answers of one survey kind (in one group): how many, their mean, the kind's score and how many gave
/// each score.</summary>
public sealed record FeedbackRow(
    string Kind,
    string? Key,
    long Responses,
    double? Mean,
    double? Score,
    IReadOnlyDictionary<string, long> Distribution
);

/// <summary>Survey answers given in [from, to), per kind and group.</summary>
public sealed record FeedbackReport(
    DateTimeOffset From,
    DateTimeOffset To,
    string TimeZone,
    string? GroupBy,
    ReportFreshness AsOf,
    IReadOnlyList<FeedbackRow> Rows
);

/// <summary>A rebuild started: the reports were emptied and fill again from the start of the log, up to
/// <see cref="Head"/> and beyond.</summary>
public sealed record ReportsRebuild(long Head);
