namespace SocialCare.Api.Reports;

/// <summary>What a conversation is grouped by now, and its current episode (<c>report_conversations</c>).</summary>
public sealed class ReportedConversation
{
    public required Guid Id { get; init; }
    public required Guid WorkspaceId { get; init; }
    public required string Brand { get; set; }
    public required string ChannelType { get; set; }
    public required Guid ChannelId { get; set; }
    public string Team { get; set; } = "";
    public string Priority { get; set; } = "normal";
    public int Episode { get; set; } = 1;
}

/// <summary>
/// One episode of a conversation — from its opening or a reopening to its resolution — as the reports see it
/// (<c>report_episodes</c>): when it started, what it is grouped by, when it was acknowledged, first answered and
/// resolved (and how much of each wait fell in the brand's business hours), and its SLA outcomes.
/// </summary>
public sealed class ReportedEpisode
{
    public required Guid ConversationId { get; init; }
    public required int Number { get; init; }
    public required Guid WorkspaceId { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required string Brand { get; set; }
    public required string ChannelType { get; set; }
    public required Guid ChannelId { get; set; }
    public required string Team { get; set; }
    public required string Priority { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
    public long? AcknowledgeBusinessMs { get; set; }
    public DateTimeOffset? RespondedAt { get; set; }
    public long? RespondBusinessMs { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    public long? ResolveBusinessMs { get; set; }
    public int Replies { get; set; }
    public bool ReopenedLater { get; set; }

    /// <summary>Met and breached counts per SLA target, in the order of <see cref="Counter.FirstResponseMet"/> and
    /// the five counters after it.</summary>
    public int[] Sla { get; init; } = new int[6];

    public bool IsResolved => ResolvedAt is not null;

    public static long Milliseconds(DateTimeOffset from, DateTimeOffset to) =>
        Math.Max(0, (long)Math.Round((to - from).TotalMilliseconds));

    /// <summary>The episode's figures: what it adds to the buckets of its start and grouping values.</summary>
    public ResponseFigures Figures()
    {
        var figures = new ResponseFigures();
        figures.Count(Number == 1 ? Counter.Opened : Counter.Reopened);
        if (AcknowledgedAt is { } acknowledged)
        {
            figures.Count(Counter.Acknowledged);
            figures.Measure(Series.Acknowledge, Milliseconds(StartedAt, acknowledged));
            figures.Measure(Series.AcknowledgeBusiness, AcknowledgeBusinessMs ?? 0);
        }

        if (RespondedAt is { } responded)
        {
            figures.Count(Counter.Responded);
            var wall = Milliseconds(StartedAt, responded);
            var business = RespondBusinessMs ?? 0;
            figures.Measure(Series.Respond, wall);
            figures.Measure(Series.RespondBusiness, business);
            CountWithin(figures, wall, Counter.Within15Minutes, Counter.WithinHour, Counter.WithinDay);
            CountWithin(
                figures,
                business,
                Counter.Within15BusinessMinutes,
                Counter.WithinBusinessHour,
                Counter.WithinBusinessDay
            );
        }

        if (ResolvedAt is { } resolved)
        {
            figures.Count(Counter.Resolved);
            figures.Measure(Series.Resolve, Milliseconds(StartedAt, resolved));
            figures.Measure(Series.ResolveBusiness, ResolveBusinessMs ?? 0);
            if (Number == 1)
            {
                figures.Count(Counter.FirstEpisodesResolved);
                if (!ReopenedLater && Replies == 1)
                {
                    figures.Count(Counter.FirstContactResolved);
                }
            }
        }

        for (var i = 0; i < Sla.Length; i++)
        {
            figures.Counts[(int)Counter.FirstResponseMet + i] += Sla[i];
        }

        return figures;
    }

    private static void CountWithin(ResponseFigures figures, long ms, Counter quarter, Counter hour, Counter day)
    {
        if (ms <= 15 * 60_000)
        {
            figures.Count(quarter);
        }

        if (ms <= 3_600_000)
        {
            figures.Count(hour);
        }

        if (ms <= 86_400_000)
        {
            figures.Count(day);
        }
    }

    /// <summary>The buckets the episode counts in: the hour and the day (UTC) it started, each per brand and per value
    /// of every grouping dimension.</summary>
    public IEnumerable<BucketKey> Buckets()
    {
        var hour = new DateTimeOffset(StartedAt.UtcDateTime.Date.AddHours(StartedAt.UtcDateTime.Hour), TimeSpan.Zero);
        var day = new DateTimeOffset(StartedAt.UtcDateTime.Date, TimeSpan.Zero);
        foreach (var (period, daily) in new[] { (hour, false), (day, true) })
        {
            yield return new BucketKey(daily, WorkspaceId, period, Brand, Dimensions.All, "");
            yield return new BucketKey(daily, WorkspaceId, period, Brand, Dimensions.ChannelType, ChannelType);
            yield return new BucketKey(daily, WorkspaceId, period, Brand, Dimensions.Channel, ChannelId.ToString());
            yield return new BucketKey(daily, WorkspaceId, period, Brand, Dimensions.Team, Team);
            yield return new BucketKey(daily, WorkspaceId, period, Brand, Dimensions.Priority, Priority);
        }
    }
}

/// <summary>The periods report buckets are kept by, and the columns of the feedback buckets' distribution.</summary>
public static class ReportPeriods
{
    /// <summary>How many answers gave each score: <c>score_0</c> to <c>score_10</c> of <c>report_feedback</c>.</summary>
    public static readonly string FeedbackScores = string.Join(", ", Enumerable.Range(0, 11).Select(i => $"score_{i}"));

    /// <summary>The start of the hour (UTC) an instant falls in.</summary>
    public static DateTimeOffset Hour(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        return new DateTimeOffset(utc.Date.AddHours(utc.Hour), TimeSpan.Zero);
    }
}

/// <summary>A row of <c>report_response_hours</c> (or <c>_days</c> when <see cref="Daily"/>).</summary>
public sealed record BucketKey(
    bool Daily,
    Guid WorkspaceId,
    DateTimeOffset Period,
    string Brand,
    string Dimension,
    string Value
);

/// <summary>The grouping dimensions buckets are kept by, besides the brand.</summary>
public static class Dimensions
{
    public const string All = "all";
    public const string ChannelType = "channelType";
    public const string Channel = "channel";
    public const string Team = "team";
    public const string Priority = "priority";
}
