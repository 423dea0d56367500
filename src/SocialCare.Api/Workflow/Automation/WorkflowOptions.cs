namespace SocialCare.Api.Workflow.Automation;

/// <summary>The workflow processor (configuration section <c>Workflow</c>): SLA clocks and their timers.</summary>
public sealed class WorkflowOptions
{
    public const string Section = "Workflow";

    /// <summary>Turned off, this instance never runs clocks (another instance, or a later start, will).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Events read per transaction.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Timers fired per transaction.</summary>
    public int TimerBatchSize { get; set; } = 500;

    /// <summary>The safety net under LISTEN/NOTIFY, and how soon an idle instance looks again when another holds the
    /// processor: at least this often.</summary>
    public int PollIntervalMs { get; set; } = 1000;

    /// <summary>The least time between two passes once caught up: under a steady stream of commits, each pass takes
    /// what they brought meanwhile instead of one pass (a transaction) per commit. Rules and SLA clocks react this much
    /// later at most.</summary>
    public int CoalesceMs { get; set; } = 50;

    /// <summary>The most triage rules a workspace may have: every event of their triggers is matched against them, in
    /// the processor's pass.</summary>
    public int MaxRulesPerWorkspace { get; set; } = 200;
}
