namespace SocialCare.Api.Reports;

/// <summary>The reports projection (configuration section <c>Reports</c>).</summary>
public sealed class ReportOptions
{
    public const string Section = "Reports";

    /// <summary>Turned off, this instance never projects reports (another instance, or a later start, will); the
    /// report endpoints still answer from what is projected.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Events read per transaction.</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>The safety net under LISTEN/NOTIFY, and how soon an idle instance looks again when another holds the
    /// projection: at least this often.</summary>
    public int PollIntervalMs { get; set; } = 1000;

    /// <summary>How long at least between passes once caught up: the commits of that time are projected together,
    /// which costs the database far less than a pass per commit, and reports lag by about that much.</summary>
    public int CoalesceMs { get; set; } = 500;

    /// <summary>The longest range one report covers.</summary>
    public int MaxRangeDays { get; set; } = 400;
}
