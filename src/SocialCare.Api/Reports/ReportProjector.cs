using Microsoft.Extensions.Options;
using SocialCare.Api.EventLog;
using SocialCare.Contracts;

namespace SocialCare.Api.Reports;

/// <summary>
/// Keeps the reports up to date: follows the event log from its start, in commit order, from a checkpoint of its own
/// (<c>mt_event_progression</c>, <c>reports</c>), and in one transaction per batch applies the events to the report
/// tables (<see cref="ReportProjection"/>) and moves the checkpoint, so each event counts exactly once, even across a
/// crash. Any number of instances run it; one at a time works (<see cref="LogFollower"/>). Emptying the tables and
/// setting the checkpoint back to 0 rebuilds every figure from the log (<see cref="ReportsApi"/>).
/// </summary>
public sealed class ReportProjector(
    EventStore store,
    SequencedSignal signal,
    TimeProvider clock,
    IOptions<ReportOptions> options,
    ILogger<ReportProjector> logger
) : LogFollowerService(signal, clock, logger)
{
    public const string Follower = "reports";

    /// <summary>The events the figures are made of.</summary>
    public static readonly string[] Followed =
    [
        EventTypes.ConversationOpened,
        EventTypes.ConversationReopened,
        EventTypes.ConversationAcknowledged,
        EventTypes.ConversationResolved,
        EventTypes.ConversationAssigned,
        EventTypes.ConversationPriorityChanged,
        EventTypes.ConversationChannelChanged,
        EventTypes.ConversationFeedbackReceived,
        EventTypes.EngagementReceived,
        EventTypes.ReplyRequested,
        EventTypes.SlaMet,
        EventTypes.SlaBreached,
        EventTypes.BrandConfigured,
        EventTypes.BrandRemoved,
    ];

    private readonly ReportOptions _options = options.Value;
    private bool _started;

    protected override string Name => Follower;

    protected override bool Enabled => _options.Enabled;

    protected override TimeSpan PollInterval => TimeSpan.FromMilliseconds(_options.PollIntervalMs);

    protected override TimeSpan Coalesce => TimeSpan.FromMilliseconds(_options.CoalesceMs);

    /// <summary>The most customers remembered as seen; past it the memory starts again (and the database answers).</summary>
    private const int KnownCustomersLimit = 200_000;

    /// <summary>Customers already in <c>report_customers</c>, so that their engagements do not ask again. Filled only
    /// after a pass commits; emptied when the checkpoint goes back (a rebuild emptied the table).</summary>
    private readonly HashSet<(Guid, Guid)> _knownCustomers = [];
    private long _reached;

    protected override async Task<FollowerPass> PassAsync(CancellationToken ct)
    {
        var (more, seen) = await store.WriteAsync(writer => PassAsync(writer, ct), ct);
        if (_knownCustomers.Count + seen.Count > KnownCustomersLimit)
        {
            _knownCustomers.Clear();
        }

        _knownCustomers.UnionWith(seen);
        return new FollowerPass(more);
    }

    private async Task<(bool More, IReadOnlyList<(Guid, Guid)> Seen)> PassAsync(
        EventWriter writer,
        CancellationToken ct
    )
    {
        if (!_started)
        {
            LogFollower.Start(writer, Follower, atHead: false);
        }

        var batch = await LogFollower.ReadAsync(writer, Follower, Followed, _options.BatchSize, Logger, ct);
        _started = true;
        if (batch is null)
        {
            return (false, []);
        }

        if (batch.Checkpoint < _reached)
        {
            _knownCustomers.Clear();
        }

        _reached = batch.Reached;
        IReadOnlyList<(Guid, Guid)> seen = [];
        if (batch.Events.Count > 0)
        {
            var projection = new ReportProjection(writer, _knownCustomers);
            await projection.ProjectAsync(batch.Events, ct);
            seen = projection.Seen;
        }

        LogFollower.Advance(writer, Follower, batch);
        return (batch.More, seen);
    }
}
