using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SocialCare.Api.Conversations;
using SocialCare.Api.EventLog;
using SocialCare.Api.Workflow.Rules;
using SocialCare.Api.Workflow.Sla;
using SocialCare.Api.Workflow.Teams;
using SocialCare.Contracts;

namespace SocialCare.Api.Workflow.Automation;

/// <summary>
/// Runs SLA clocks right after the events that drive them commit, not inside the transactions that append them:
/// ingestion stays two round trips whatever a workspace configures, and nothing a policy does can refuse or slow down
/// an engagement. It follows the event log as the relay does, in commit order, from a checkpoint of its own
/// (<c>mt_event_progression</c>, <c>workflow</c>), and in one transaction per pass reads what follows the checkpoint,
/// decides, appends the <c>sla.*</c> events to the conversations, saves the clocks and moves the checkpoint: each
/// event's effects happen exactly once, even across a crash. Then, once it has caught up with the log, it fires the
/// clocks whose timers (<c>sla_clocks.next_at</c>) are due, in the same way.
/// <para>Any number of instances run it; the checkpoint row, locked for the pass (<c>skip locked</c>), lets one at a
/// time work, and the others look again on the next commit or poll. A timer due while every instance was down fires
/// on the first pass after start.</para>
/// </summary>
internal sealed partial class WorkflowProcessor(
    EventStore store,
    SequencedSignal signal,
    TimeProvider clock,
    IOptions<WorkflowOptions> options,
    ILogger<WorkflowProcessor> logger
) : LogFollowerService(signal, clock, logger)
{
    public const string Follower = "workflow";

    /// <summary>The events the processor reads: those that move SLA clocks, and those rules run on.</summary>
    private static readonly string[] Followed =
    [
        .. new[]
        {
            EventTypes.ConversationOpened,
            EventTypes.ConversationReopened,
            EventTypes.EngagementReceived,
            EventTypes.ReplyRequested,
            EventTypes.ConversationResolved,
        }.Union(RuleTriggers.All),
    ];
    private readonly WorkflowOptions _options = options.Value;
    private bool _started;

    /// <summary>What a pass found: whether another instance holds the processor, whether more events wait, and when
    /// the next timer falls due.</summary>
    private sealed record Pass(bool Busy, bool More, DateTimeOffset? NextDue);

    protected override string Name => Follower;

    protected override bool Enabled => _options.Enabled;

    protected override TimeSpan PollInterval => TimeSpan.FromMilliseconds(_options.PollIntervalMs);

    protected override TimeSpan Coalesce => TimeSpan.FromMilliseconds(_options.CoalesceMs);

    protected override async Task<FollowerPass> PassAsync(CancellationToken ct)
    {
        var pass = await store.WriteAsync(writer => FollowPassAsync(writer, ct), ct);
        if (!pass.More && !pass.Busy)
        {
            // The timers in a transaction of their own, after the events: each locks its conversations once, in id
            // order, as ingestion does.
            pass = pass with
            {
                NextDue = await store.WriteAsync(writer => TimerPassAsync(writer, ct), ct),
            };
        }

        return new FollowerPass(pass.More, pass.NextDue);
    }

    /// <summary>One batch of events after the checkpoint: their rules and clocks, and the checkpoint moved past
    /// them.</summary>
    private async Task<Pass> FollowPassAsync(EventWriter writer, CancellationToken ct)
    {
        if (!_started)
        {
            // A database that never ran the processor starts it at the head of the log: policies apply from now on.
            LogFollower.Start(writer, Follower, atHead: true);
        }

        var batch = await LogFollower.ReadAsync(writer, Follower, Followed, _options.BatchSize, Logger, ct);
        _started = true;
        if (batch is null)
        {
            // Another instance is in a pass; it will look after the timers it sees.
            return new Pass(true, false, null);
        }

        var events = batch.Events.Where(e => e.ConversationId is not null).ToList();
        if (events.Count > 0)
        {
            await FollowAsync(writer, events, Clock.GetUtcNow(), ct);
        }

        LogFollower.Advance(writer, Follower, batch);
        return new Pass(false, batch.More, null);
    }

    /// <summary>The timers that are due, once the events before them are followed; answers when the next one falls
    /// due.</summary>
    private async Task<DateTimeOffset?> TimerPassAsync(EventWriter writer, CancellationToken ct)
    {
        if (await LogFollower.CheckpointAsync(writer, Follower, ct) is not { } checkpoint)
        {
            return null;
        }

        await FireAsync(writer, Clock.GetUtcNow(), checkpoint, ct);
        return await SlaStore.NextDueAsync(writer, ct);
    }

    /// <summary>
    /// A batch of events, in log order: first what each does to the SLA clocks, then the triage rules of its type, in
    /// order, on the conversation as the earlier rules left it. Events caused by rules run no rules: a rule never
    /// triggers itself or another in a loop.
    /// </summary>
    private async Task FollowAsync(
        EventWriter writer,
        IReadOnlyList<HubEvent> events,
        DateTimeOffset now,
        CancellationToken ct
    )
    {
        var brands = await SlaStore.BrandsAsync(
            writer,
            events.Select(e => (e.WorkspaceId, e.Brand ?? "")).Distinct().ToList(),
            ct
        );
        BrandCare CareOf(Guid workspace, string brand) =>
            brands.TryGetValue((workspace, brand), out var care) ? care : BrandCare.Unconfigured;
        var clocks = new SlaClocks((workspace, brand) => CareOf(workspace, brand).Calendar);
        var conversations = events.Select(e => e.ConversationId!.Value).Distinct().ToList();
        await SlaStore.LoadAsync(writer, clocks, conversations, ct);

        var rules = await RuleStore.EnabledAsync(writer, events.Select(e => e.WorkspaceId).Distinct().ToList(), ct);
        bool Triggers(HubEvent e) =>
            e.Actor.Kind != ActorKinds.Rule
            && rules[e.WorkspaceId].Any(r => RuleEngine.Applies(r, EventTypeRegistry.NameOf(e), e.Brand ?? ""));
        var ruled = events.Where(Triggers).Select(e => e.ConversationId!.Value).Distinct().ToList();
        // Every conversation the batch may append to, locked at once in id order (as ingestion and merges lock them,
        // so that none waits for another in a cycle): those with rules to run, those a policy governs, and those whose
        // brand's default policy starts clocks as they open or reopen.
        var touched = events
            .Where(e =>
                clocks.Governs(e.ConversationId!.Value)
                || (
                    e is ConversationOpened or ConversationReopened
                    && CareOf(e.WorkspaceId, e.Brand ?? "").DefaultPolicy is not null
                )
            )
            .Select(e => e.ConversationId!.Value)
            .Union(ruled)
            .ToList();
        var loaded =
            touched.Count > 0
                ? (await CommandRunner.LoadManyAsync(writer, null, touched, ct)).ToDictionary(s => s.Id)
                : [];
        var states = new Dictionary<Guid, ConversationState>(loaded);
        var context = new Dictionary<Guid, IReadOnlyDictionary<string, IReadOnlyDictionary<string, JsonElement>>>();
        var latest = new Dictionary<Guid, (EngagementFacts? Engagement, string? CustomerName)>();
        if (ruled.Count > 0)
        {
            context = await RuleFactsStore.ContextAsync(writer, ruled, ct);
            latest = await RuleFactsStore.LatestAsync(writer, ruled, ct);
        }

        var decided = new List<(Guid Conversation, HubEvent Event, EventActor Actor)>();
        foreach (var e in events)
        {
            var id = e.ConversationId!.Value;
            var brand = e.Brand ?? "";
            var care = CareOf(e.WorkspaceId, brand);
            IEnumerable<HubEvent> outcome = e switch
            {
                ConversationOpened when care.DefaultPolicy is { } policy => Maybe(
                    clocks.Apply(
                        id,
                        e.WorkspaceId,
                        brand,
                        policy,
                        SlaSources.Brand,
                        1,
                        e.RecordedAt,
                        null,
                        e.RecordedAt
                    )
                ),
                ConversationReopened when clocks.Governs(id) => Maybe(
                    clocks.Reopened(id, brand, (await EpisodeAtAsync(writer, id, e.Sequence, ct)).Episode, e.RecordedAt)
                ),
                ConversationReopened when care.DefaultPolicy is { } policy => Maybe(
                    clocks.Apply(
                        id,
                        e.WorkspaceId,
                        brand,
                        policy,
                        SlaSources.Brand,
                        (await EpisodeAtAsync(writer, id, e.Sequence, ct)).Episode,
                        e.RecordedAt,
                        null,
                        e.RecordedAt
                    )
                ),
                EngagementReceived => Maybe(clocks.Inbound(id, brand, e.RecordedAt)),
                ReplyRequested reply => clocks.Replied(id, reply),
                ConversationResolved => clocks.Resolved(id, e.RecordedAt),
                _ => [],
            };
            decided.AddRange(outcome.Select(o => (id, o, EventActor.System)));
            if (!Triggers(e) || !states.TryGetValue(id, out var state))
            {
                continue;
            }

            var (engagement, customerName) = latest.GetValueOrDefault(id);
            var facts = new RuleFacts(
                state,
                e is EngagementReceived received ? RuleFactsStore.Of(received) : engagement,
                context.GetValueOrDefault(id) ?? new Dictionary<string, IReadOnlyDictionary<string, JsonElement>>(),
                care.Calendar.IsOpen(e.RecordedAt),
                state.Episode
            );
            var environment = Environment(writer, clocks, care, customerName, e, now, ct);
            var trigger = EventTypeRegistry.NameOf(e);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            foreach (var rule in rules[e.WorkspaceId].Where(r => RuleEngine.Applies(r, trigger, brand)))
            {
                if (System.Diagnostics.Stopwatch.GetElapsedTime(started) > RuleBudget)
                {
                    // One workspace's rules must not hold up every workspace's clocks: the rest of its rules for this
                    // event are skipped, and the log says so.
                    LogRulesOverBudget(Logger, e.WorkspaceId, e.EventId, rule.Id);
                    break;
                }

                var run = await RuleEngine.RunAsync(rule, facts, environment, e.RecordedAt, now, explain: false);
                var actor = EventActor.OfRule(rule.Id, rule.Name);
                decided.AddRange(run.Events.Select(d => (id, d, actor)));
                facts = facts with { Conversation = run.State };
                if (run.Matched && rule.StopProcessing)
                {
                    break;
                }
            }

            states[id] = facts.Conversation;
        }

        Append(writer, decided, loaded, now);
        SlaStore.Save(writer, clocks);
    }

    /// <summary>What rules' actions need, answered in the pass's transaction.</summary>
    private static RuleEnvironment Environment(
        EventWriter writer,
        SlaClocks clocks,
        BrandCare care,
        string? customerName,
        HubEvent trigger,
        DateTimeOffset now,
        CancellationToken ct
    ) =>
        new(
            team => TeamStore.ForAssignmentAsync(writer, trigger.WorkspaceId, team.Trim(), ct),
            policy => SlaPolicyStore.ReadAsync(writer, trigger.WorkspaceId, policy, ct),
            state => ReplyQueries.TargetAsync(writer, state, state.CurrentChannelId, new ClaimsPrincipal(), ct),
            async (state, policy) =>
            {
                // The clocks of the episode the trigger belongs to, from its start; none once it was resolved.
                var (episode, start, resolved) = await EpisodeAtAsync(writer, state.Id, trigger.Sequence, ct);
                return resolved
                    ? null
                    : clocks.Apply(
                        state.Id,
                        state.WorkspaceId,
                        state.Brand,
                        policy,
                        SlaSources.Rule,
                        episode,
                        start ?? state.EpisodeOpenedAt,
                        await RespondedAtAsync(writer, state.Id, start ?? state.EpisodeOpenedAt, policy, ct),
                        now
                    );
            },
            care,
            customerName
        );

    /// <summary>How long one event's rules may take, all together, before the rest are skipped.</summary>
    private static readonly TimeSpan RuleBudget = TimeSpan.FromSeconds(1);

    /// <summary>The clocks whose timers are due: their warnings and breaches.</summary>
    private async Task FireAsync(EventWriter writer, DateTimeOffset now, long followed, CancellationToken ct)
    {
        var due = await SlaStore.DueAsync(writer, now, _options.TimerBatchSize, ct);
        if (due.Count == 0)
        {
            return;
        }

        // The conversations are locked first (in id order). A reply or resolution being written to one now holds its
        // row and is stamped before our lock is granted; once it is, anything of theirs past the checkpoint is
        // committed and visible, and their clocks wait for the next pass to follow it: a timer never decides on a
        // conversation whose events the processor has not seen.
        var ids = due.Select(c => c.ConversationId).Distinct().ToList();
        var loaded = (await CommandRunner.LoadManyAsync(writer, null, ids, ct)).ToDictionary(s => s.Id);
        var unseen = (
            await writer.QueryAsync(
                "select distinct stream_id from mt_events where stream_id = any($1) and seq_id > $2",
                r => r.GetGuid(0),
                ct,
                ids.ToArray(),
                followed
            )
        ).ToHashSet();
        var clocks = new SlaClocks((_, _) => BusinessCalendar.AlwaysOpen);
        var decided = new List<(Guid Conversation, HubEvent Event, EventActor Actor)>();
        foreach (var clock in due.Where(c => !unseen.Contains(c.ConversationId)))
        {
            clocks.Load(clock);
            if (SlaClocks.Fire(clock, now) is { } fired)
            {
                decided.Add((clock.ConversationId, fired, EventActor.System));
            }
        }

        Append(writer, decided, loaded, now);
        SlaStore.Save(writer, clocks);
    }

    /// <summary>
    /// Appends the decided events to their conversations, in order, each with its actor (the hub, or a rule), at the
    /// version each conversation was read (and locked) at, and projects them; a conversation gone since (its workspace
    /// deleted) takes none. Rules' events are activity on the conversation; the clocks' are not.
    /// </summary>
    private static void Append(
        EventWriter writer,
        List<(Guid Conversation, HubEvent Event, EventActor Actor)> decided,
        Dictionary<Guid, ConversationState> loaded,
        DateTimeOffset now
    )
    {
        foreach (var group in decided.GroupBy(d => d.Conversation))
        {
            if (!loaded.TryGetValue(group.Key, out var state))
            {
                continue;
            }

            var events = group
                .Select(d =>
                    d.Event with
                    {
                        EventId = Guid.CreateVersion7(),
                        WorkspaceId = state.WorkspaceId,
                        Brand = state.Brand,
                        ConversationId = state.Id,
                        CustomerId = state.CustomerId,
                        RecordedAt = now,
                        Actor = d.Actor,
                    }
                )
                .ToList();
            writer.Append(state.Id, typeof(StreamTypes.Conversation), state.WorkspaceId, state.Version, events);
            ConversationProjection.Apply(
                writer,
                state.Id,
                events,
                now,
                activity: group.Any(d => d.Actor.Kind == ActorKinds.Rule)
            );
        }
    }

    /// <summary>When a response that counts (by a person or app; by a rule too if the policy says so) was last given
    /// in the conversation's current episode.</summary>
    private static async Task<DateTimeOffset?> RespondedAtAsync(
        EventWriter writer,
        Guid conversationId,
        DateTimeOffset episodeStart,
        SlaPolicyResponse policy,
        CancellationToken ct
    ) =>
        (
            await writer.QueryAsync(
                """
                select max(requested_at) from replies
                where conversation_id = $1 and requested_at >= $2 and (not automatic or $3)
                """,
                r => r.IsDBNull(0) ? (DateTimeOffset?)null : r.GetFieldValue<DateTimeOffset>(0),
                ct,
                conversationId,
                episodeStart,
                policy.CountAutomaticReplies
            )
        )[0];

    /// <summary>
    /// The conversation's episode as of the event at <paramref name="sequence"/>: how many openings its stream has up to
    /// it, when the latest began, and whether it was resolved by then. The processor decides on the log in its order,
    /// not on the conversation as it is when the pass runs.
    /// </summary>
    private static async Task<(int Episode, DateTimeOffset? Start, bool Resolved)> EpisodeAtAsync(
        EventWriter writer,
        Guid conversationId,
        long sequence,
        CancellationToken ct
    ) =>
        (
            await writer.QueryAsync(
                """
                select count(*) filter (where type <> $4)::int,
                    (array_agg((data ->> 'recordedAt')::timestamptz order by seq_id desc) filter (where type <> $4))[1],
                    coalesce((array_agg(type order by seq_id desc))[1] = $4, false)
                from mt_events where stream_id = $1 and seq_id <= $2 and type = any($3)
                """,
                r =>
                    (
                        Math.Max(1, r.GetInt32(0)),
                        r.IsDBNull(1) ? (DateTimeOffset?)null : r.GetFieldValue<DateTimeOffset>(1),
                        r.GetBoolean(2)
                    ),
                ct,
                conversationId,
                sequence,
                new[]
                {
                    EventTypes.ConversationOpened,
                    EventTypes.ConversationReopened,
                    EventTypes.ConversationResolved,
                },
                EventTypes.ConversationResolved
            )
        )[0];

    private static IEnumerable<HubEvent> Maybe(HubEvent? e) => e is null ? [] : [e];

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Rules of workspace {WorkspaceId} took over their budget on event {EventId}: rule {RuleId} and those "
            + "after it were skipped"
    )]
    private static partial void LogRulesOverBudget(ILogger logger, Guid workspaceId, Guid eventId, Guid ruleId);
}
