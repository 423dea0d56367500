using Microsoft.Extensions.Options;
using Npgsql;
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
public sealed partial class ReportProjector(
    EventStore store,
    SequencedSignal signal,
    TimeProvider clock,
    IOptions<ReportOptions> options,
    ILogger<ReportProjector> logger
) : BackgroundService
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        var poll = TimeSpan.FromMilliseconds(_options.PollIntervalMs);
        while (!stoppingToken.IsCancellationRequested)
        {
            // Asked before the pass reads: a commit during the pass still wakes the next wait.
            var committed = signal.NextAny();
            bool more;
            try
            {
                more = await store.WriteAsync(writer => PassAsync(writer, stoppingToken), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // Nothing of the pass was committed: the next one starts again from the checkpoint.
                LogPassFailed(logger, e);
                await Task.Delay(poll, clock, stoppingToken);
                continue;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A fault of the hub's own: the reports stall (and say so) rather than skip an event.
                LogPassFault(logger, e);
                await Task.Delay(poll * 10, clock, stoppingToken);
                continue;
            }

            if (!more)
            {
                await Task.WhenAny(committed, Task.Delay(poll, clock, stoppingToken));
            }
        }
    }

    private async Task<bool> PassAsync(EventWriter writer, CancellationToken ct)
    {
        if (!_started)
        {
            LogFollower.Start(writer, Follower, atHead: false);
        }

        var batch = await LogFollower.ReadAsync(writer, Follower, Followed, _options.BatchSize, logger, ct);
        _started = true;
        if (batch is null)
        {
            return false;
        }

        if (batch.Events.Count > 0)
        {
            await new ReportProjection(writer).ProjectAsync(batch.Events, ct);
        }

        LogFollower.Advance(writer, Follower, batch);
        return batch.More;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reports pass failed; the next resumes from its checkpoint")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reports pass faulted; reports stall until it succeeds")]
    private static partial void LogPassFault(ILogger logger, Exception exception);
}
