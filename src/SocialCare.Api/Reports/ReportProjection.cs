using SocialCare.Api.EventLog;
using SocialCare.Api.Workflow;
using SocialCare.Api.Workflow.Brands;
using SocialCare.Contracts;

namespace SocialCare.Api.Reports;

/// <summary>
/// One pass of the reports projection over a batch of events, in log order, inside the transaction that moves the
/// follower's checkpoint. It loads what the events touch (their conversations and episodes, their brands' calendars),
/// applies the events to them in memory, and writes back the episodes, and each bucket's figures changed by the
/// difference between the episodes' contributions before and after: buckets are always the sum of their episodes.
/// Volume and feedback figures only add. Nothing here reads the clock or today's configuration: the figures are a
/// function of the events, so a rebuild gives the same ones.
/// </summary>
internal sealed class ReportProjection(EventWriter writer, IReadOnlySet<(Guid, Guid)> knownCustomers)
{
    private readonly Dictionary<Guid, ReportedConversation> _conversations = [];
    private readonly Dictionary<(Guid, int), ReportedEpisode> _episodes = [];
    private readonly Dictionary<(Guid, int), (ResponseFigures Figures, List<BucketKey> Buckets)> _before = [];
    private readonly HashSet<Guid> _changedConversations = [];
    private readonly HashSet<(Guid, int)> _changedEpisodes = [];
    private readonly Dictionary<(Guid, string), BusinessCalendar> _calendars = [];
    private readonly Dictionary<VolumeKey, long[]> _volume = [];
    private readonly List<(Guid Workspace, Guid Customer, VolumeKey Key)> _engagedCustomers = [];
    private readonly Dictionary<FeedbackKey, (long Responses, long Sum, long[] Distribution)> _feedback = [];

    private sealed record VolumeKey(
        Guid WorkspaceId,
        DateTimeOffset Period,
        string Brand,
        string ChannelType,
        string Visibility
    );

    private sealed record FeedbackKey(
        Guid WorkspaceId,
        DateTimeOffset Period,
        string Brand,
        string ChannelType,
        string ChannelId,
        string Team,
        string Kind
    );

    /// <summary>The customers this pass recorded as seen: known for good once it commits.</summary>
    public IReadOnlyList<(Guid, Guid)> Seen { get; private set; } = [];

    public async Task ProjectAsync(IReadOnlyList<HubEvent> events, CancellationToken ct)
    {
        await LoadAsync(events, ct);
        foreach (var e in events)
        {
            Apply(e);
        }

        await WriteResponseFiguresAsync(ct);
        WriteVolume();
        WriteFeedback();
    }

    private async Task LoadAsync(IReadOnlyList<HubEvent> events, CancellationToken ct)
    {
        // An engagement counts only in volume: its conversation's episode is read for the events that change it.
        var conversations = events
            .Where(e => e.ConversationId is not null && e is not EngagementReceived)
            .Select(e => e.ConversationId!.Value);
        var ids = conversations.Distinct().ToArray();
        if (ids.Length > 0)
        {
            foreach (
                var c in await writer.QueryAsync(
                    """
                    select conversation_id, workspace_id, brand, channel_type, channel_id, team, priority, episode
                    from report_conversations where conversation_id = any($1)
                    """,
                    r => new ReportedConversation
                    {
                        Id = r.GetGuid(0),
                        WorkspaceId = r.GetGuid(1),
                        Brand = r.GetString(2),
                        ChannelType = r.GetString(3),
                        ChannelId = r.GetGuid(4),
                        Team = r.GetString(5),
                        Priority = r.GetString(6),
                        Episode = r.GetInt32(7),
                    },
                    ct,
                    ids
                )
            )
            {
                _conversations[c.Id] = c;
            }

            foreach (
                var e in await writer.QueryAsync(
                    """
                    select conversation_id, episode, workspace_id, started_at, brand, channel_type, channel_id, team,
                        priority, acknowledged_at, acknowledge_business_ms, responded_at, respond_business_ms,
                        resolved_at, resolve_business_ms, replies, reopened_later, sla
                    from report_episodes where conversation_id = any($1)
                    """,
                    r => new ReportedEpisode
                    {
                        ConversationId = r.GetGuid(0),
                        Number = r.GetInt32(1),
                        WorkspaceId = r.GetGuid(2),
                        StartedAt = r.GetFieldValue<DateTimeOffset>(3),
                        Brand = r.GetString(4),
                        ChannelType = r.GetString(5),
                        ChannelId = r.GetGuid(6),
                        Team = r.GetString(7),
                        Priority = r.GetString(8),
                        AcknowledgedAt = r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9),
                        AcknowledgeBusinessMs = r.IsDBNull(10) ? null : r.GetInt64(10),
                        RespondedAt = r.IsDBNull(11) ? null : r.GetFieldValue<DateTimeOffset>(11),
                        RespondBusinessMs = r.IsDBNull(12) ? null : r.GetInt64(12),
                        ResolvedAt = r.IsDBNull(13) ? null : r.GetFieldValue<DateTimeOffset>(13),
                        ResolveBusinessMs = r.IsDBNull(14) ? null : r.GetInt64(14),
                        Replies = r.GetInt32(15),
                        ReopenedLater = r.GetBoolean(16),
                        Sla = r.GetFieldValue<int[]>(17),
                    },
                    ct,
                    ids
                )
            )
            {
                _episodes[(e.ConversationId, e.Number)] = e;
                _before[(e.ConversationId, e.Number)] = (e.Figures(), e.Buckets().ToList());
            }
        }

        var workspaces = events.Select(e => e.WorkspaceId).Distinct().ToArray();
        foreach (
            var (workspace, brand, calendar) in await writer.QueryAsync(
                "select workspace_id, brand, time_zone, hours, holidays from report_calendars "
                    + "where workspace_id = any($1)",
                r =>
                    (
                        r.GetGuid(0),
                        r.GetString(1),
                        CalendarOf(r.GetString(2), BrandDays.Hours(r.GetString(3)), r.GetFieldValue<DateOnly[]>(4))
                    ),
                ct,
                workspaces
            )
        )
        {
            _calendars[(workspace, brand)] = calendar;
        }
    }

    private static BusinessCalendar CalendarOf(
        string zone,
        IReadOnlyDictionary<string, IReadOnlyList<OpeningHours>> hours,
        IReadOnlyList<DateOnly> holidays
    ) => BrandDays.IsIanaZone(zone) ? BrandDays.Calendar(zone, hours, holidays) : BusinessCalendar.AlwaysOpen;

    private void Apply(HubEvent e)
    {
        var brand = e.Brand ?? "";
        switch (e)
        {
            case BrandConfigured configured:
                _calendars[(e.WorkspaceId, brand)] = CalendarOf(
                    configured.TimeZone,
                    configured.BusinessHours,
                    configured.Holidays
                );
                writer.Execute(
                    """
                    insert into report_calendars (workspace_id, brand, time_zone, hours, holidays)
                    values ($1, $2, $3, $4, $5) on conflict (workspace_id, brand) do update
                    set time_zone = excluded.time_zone, hours = excluded.hours, holidays = excluded.holidays
                    """,
                    e.WorkspaceId,
                    brand,
                    configured.TimeZone,
                    System.Text.Json.JsonSerializer.Serialize(configured.BusinessHours, EventTypeRegistry.Json),
                    configured.Holidays.ToArray()
                );
                return;
            case BrandRemoved:
                _calendars.Remove((e.WorkspaceId, brand));
                writer.Execute(
                    "delete from report_calendars where workspace_id = $1 and brand = $2",
                    e.WorkspaceId,
                    brand
                );
                return;
            case EngagementReceived engagement:
                var key = new VolumeKey(
                    e.WorkspaceId,
                    ReportPeriods.Hour(e.RecordedAt),
                    brand,
                    engagement.ChannelType,
                    engagement.Visibility
                );
                CountVolume(key, 0);
                if (e.CustomerId is { } customer && !knownCustomers.Contains((e.WorkspaceId, customer)))
                {
                    _engagedCustomers.Add((e.WorkspaceId, customer, key));
                }

                return;
            case ReplyRequested reply:
                CountVolume(
                    new VolumeKey(
                        e.WorkspaceId,
                        ReportPeriods.Hour(e.RecordedAt),
                        brand,
                        reply.ChannelType,
                        reply.Visibility
                    ),
                    1
                );
                break;
        }

        if (e.ConversationId is not { } id)
        {
            return;
        }

        if (e is ConversationOpened opened)
        {
            if (!_conversations.ContainsKey(id))
            {
                var conversation = new ReportedConversation
                {
                    Id = id,
                    WorkspaceId = e.WorkspaceId,
                    Brand = brand,
                    ChannelType = opened.ChannelType,
                    ChannelId = opened.ChannelId,
                };
                _conversations[id] = conversation;
                _changedConversations.Add(id);
                StartEpisode(conversation, e.RecordedAt);
            }

            return;
        }

        if (!_conversations.TryGetValue(id, out var known))
        {
            // A conversation whose opening the projection never saw (an event it could not read): nothing to add to.
            return;
        }

        var current = _episodes[(id, known.Episode)];
        switch (e)
        {
            case ConversationReopened reopened:
                Change(current).ReopenedLater = true;
                known.Episode++;
                if (reopened.ChannelId is { } channel)
                {
                    known.ChannelId = channel;
                    known.ChannelType = reopened.ChannelType ?? known.ChannelType;
                }

                _changedConversations.Add(id);
                StartEpisode(known, e.RecordedAt);
                break;
            case ConversationAcknowledged acknowledged when current.AcknowledgedAt is null:
                Change(current).AcknowledgedAt = acknowledged.AcknowledgedAt;
                current.AcknowledgeBusinessMs = BusinessMs(current, acknowledged.AcknowledgedAt);
                break;
            case ReplyRequested when e.Actor.Kind != ActorKinds.Rule && !current.IsResolved:
                Change(current).Replies++;
                if (current.RespondedAt is null)
                {
                    current.RespondedAt = e.RecordedAt;
                    current.RespondBusinessMs = BusinessMs(current, e.RecordedAt);
                }

                break;
            case ConversationResolved resolved when !current.IsResolved:
                Change(current).ResolvedAt = resolved.ResolvedAt;
                current.ResolveBusinessMs = BusinessMs(current, resolved.ResolvedAt);
                break;
            case ConversationAssigned assigned:
                known.Team = assigned.Team ?? "";
                Regroup(known, current);
                break;
            case ConversationPriorityChanged priority:
                known.Priority = priority.Level;
                Regroup(known, current);
                break;
            case ConversationChannelChanged moved:
                known.ChannelId = moved.ToChannelId;
                known.ChannelType = moved.ToChannelType;
                Regroup(known, current);
                break;
            case SlaClockEvent sla when sla is SlaMet or SlaBreached:
                var target = SlaTargets.All.ToList().IndexOf(sla.Target);
                if (target >= 0 && _episodes.TryGetValue((id, sla.Episode), out var episode))
                {
                    Change(episode).Sla[target * 2 + (sla is SlaBreached ? 1 : 0)]++;
                }

                break;
            case ConversationFeedbackReceived feedback:
                CountFeedback(known, feedback);
                break;
        }
    }

    private void StartEpisode(ReportedConversation conversation, DateTimeOffset at)
    {
        var episode = new ReportedEpisode
        {
            ConversationId = conversation.Id,
            Number = conversation.Episode,
            WorkspaceId = conversation.WorkspaceId,
            StartedAt = at.ToUniversalTime(),
            Brand = conversation.Brand,
            ChannelType = conversation.ChannelType,
            ChannelId = conversation.ChannelId,
            Team = conversation.Team,
            Priority = conversation.Priority,
        };
        _episodes[(conversation.Id, episode.Number)] = episode;
        _changedEpisodes.Add((conversation.Id, episode.Number));
    }

    /// <summary>The conversation's grouping values changed: an episode still open counts under the new ones (a resolved
    /// one stays where it was, and the next episode starts with them).</summary>
    private void Regroup(ReportedConversation conversation, ReportedEpisode current)
    {
        _changedConversations.Add(conversation.Id);
        if (!current.IsResolved)
        {
            Change(current).Team = conversation.Team;
            current.Priority = conversation.Priority;
            current.ChannelId = conversation.ChannelId;
            current.ChannelType = conversation.ChannelType;
        }
    }

    private ReportedEpisode Change(ReportedEpisode episode)
    {
        _changedEpisodes.Add((episode.ConversationId, episode.Number));
        return episode;
    }

    /// <summary>How much of the wait from the episode's start fell in its brand's business hours, by the calendar the
    /// brand had when the wait ended.</summary>
    private long BusinessMs(ReportedEpisode episode, DateTimeOffset end) =>
        _calendars.TryGetValue((episode.WorkspaceId, episode.Brand), out var calendar)
            ? Math.Max(0, (long)Math.Round(calendar.OpenTimeBetween(episode.StartedAt, end).TotalMilliseconds))
            : ReportedEpisode.Milliseconds(episode.StartedAt, end);

    private void CountVolume(VolumeKey key, int column)
    {
        if (!_volume.TryGetValue(key, out var counts))
        {
            _volume[key] = counts = new long[3];
        }

        counts[column]++;
    }

    private void CountFeedback(ReportedConversation conversation, ConversationFeedbackReceived feedback)
    {
        var key = new FeedbackKey(
            conversation.WorkspaceId,
            ReportPeriods.Hour(feedback.RespondedAt),
            conversation.Brand,
            conversation.ChannelType,
            conversation.ChannelId.ToString(),
            conversation.Team,
            feedback.Kind
        );
        var (responses, sum, distribution) = _feedback.GetValueOrDefault(key, (0, 0, new long[11]));
        if (feedback.Score is >= 0 and <= 10)
        {
            distribution[feedback.Score]++;
        }

        _feedback[key] = (responses + 1, sum + feedback.Score, distribution);
    }

    private async Task WriteResponseFiguresAsync(CancellationToken ct)
    {
        var deltas = new Dictionary<BucketKey, ResponseFigures>();
        void Add(IEnumerable<BucketKey> buckets, ResponseFigures figures, int sign)
        {
            foreach (var bucket in buckets)
            {
                if (!deltas.TryGetValue(bucket, out var delta))
                {
                    deltas[bucket] = delta = new ResponseFigures();
                }

                delta.Add(figures, sign);
            }
        }

        foreach (var key in _changedEpisodes)
        {
            var episode = _episodes[key];
            if (_before.TryGetValue(key, out var before))
            {
                Add(before.Buckets, before.Figures, -1);
            }

            Add(episode.Buckets(), episode.Figures(), 1);
            writer.Execute(
                """
                insert into report_episodes (conversation_id, episode, workspace_id, started_at, brand, channel_type,
                    channel_id, team, priority, acknowledged_at, acknowledge_business_ms, responded_at,
                    respond_business_ms, resolved_at, resolve_business_ms, replies, reopened_later, sla)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
                on conflict (conversation_id, episode) do update set brand = excluded.brand,
                    channel_type = excluded.channel_type, channel_id = excluded.channel_id, team = excluded.team,
                    priority = excluded.priority, acknowledged_at = excluded.acknowledged_at,
                    acknowledge_business_ms = excluded.acknowledge_business_ms, responded_at = excluded.responded_at,
                    respond_business_ms = excluded.respond_business_ms, resolved_at = excluded.resolved_at,
                    resolve_business_ms = excluded.resolve_business_ms, replies = excluded.replies,
                    reopened_later = excluded.reopened_later, sla = excluded.sla
                """,
                episode.ConversationId,
                episode.Number,
                episode.WorkspaceId,
                episode.StartedAt,
                episode.Brand,
                episode.ChannelType,
                episode.ChannelId,
                episode.Team,
                episode.Priority,
                episode.AcknowledgedAt,
                episode.AcknowledgeBusinessMs,
                episode.RespondedAt,
                episode.RespondBusinessMs,
                episode.ResolvedAt,
                episode.ResolveBusinessMs,
                episode.Replies,
                episode.ReopenedLater,
                episode.Sla
            );
        }

        foreach (var id in _changedConversations)
        {
            var c = _conversations[id];
            writer.Execute(
                """
                insert into report_conversations (conversation_id, workspace_id, brand, channel_type, channel_id, team,
                    priority, episode)
                values ($1, $2, $3, $4, $5, $6, $7, $8)
                on conflict (conversation_id) do update set brand = excluded.brand,
                    channel_type = excluded.channel_type, channel_id = excluded.channel_id, team = excluded.team,
                    priority = excluded.priority, episode = excluded.episode
                """,
                c.Id,
                c.WorkspaceId,
                c.Brand,
                c.ChannelType,
                c.ChannelId,
                c.Team,
                c.Priority,
                c.Episode
            );
        }

        foreach (var daily in new[] { false, true })
        {
            var keys = deltas.Where(d => d.Key.Daily == daily && !d.Value.IsEmpty).Select(d => d.Key).ToList();
            if (keys.Count > 0)
            {
                await WriteBucketsAsync(daily ? "report_response_days" : "report_response_hours", keys, deltas, ct);
            }
        }
    }

    private async Task WriteBucketsAsync(
        string table,
        List<BucketKey> keys,
        Dictionary<BucketKey, ResponseFigures> deltas,
        CancellationToken ct
    )
    {
        var stored = (
            await writer.QueryAsync(
                $"""
                select workspace_id, period, brand, dimension, value, counts, sums, sketches from {table}
                where (workspace_id, period, brand, dimension, value) in
                    (select * from unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[]))
                """,
                r =>
                    (
                        Key: new BucketKey(
                            keys[0].Daily,
                            r.GetGuid(0),
                            r.GetFieldValue<DateTimeOffset>(1),
                            r.GetString(2),
                            r.GetString(3),
                            r.GetString(4)
                        ),
                        Figures: ResponseFigures.Decode(
                            r.GetFieldValue<long[]>(5),
                            r.GetFieldValue<long[]>(6),
                            r.GetFieldValue<byte[]>(7)
                        )
                    ),
                ct,
                keys.Select(k => k.WorkspaceId).ToArray(),
                keys.Select(k => k.Period).ToArray(),
                keys.Select(k => k.Brand).ToArray(),
                keys.Select(k => k.Dimension).ToArray(),
                keys.Select(k => k.Value).ToArray()
            )
        ).ToDictionary(s => s.Key, s => s.Figures);

        foreach (var key in keys)
        {
            var figures = stored.GetValueOrDefault(key) ?? new ResponseFigures();
            figures.Add(deltas[key], 1);
            if (figures.IsEmpty)
            {
                writer.Execute(
                    $"delete from {table} where workspace_id = $1 and period = $2 and brand = $3 and dimension = $4 "
                        + "and value = $5",
                    key.WorkspaceId,
                    key.Period,
                    key.Brand,
                    key.Dimension,
                    key.Value
                );
                continue;
            }

            writer.Execute(
                $"""
                insert into {table} (workspace_id, period, brand, dimension, value, counts, sums, sketches)
                values ($1, $2, $3, $4, $5, $6, $7, $8)
                on conflict (workspace_id, period, brand, dimension, value) do update
                set counts = excluded.counts, sums = excluded.sums, sketches = excluded.sketches
                """,
                key.WorkspaceId,
                key.Period,
                key.Brand,
                key.Dimension,
                key.Value,
                figures.Counts,
                figures.SumsMs,
                figures.EncodeSketches()
            );
        }
    }

    private void WriteVolume()
    {
        foreach (var (key, counts) in _volume)
        {
            writer.Execute(
                """
                insert into report_volume (workspace_id, period, brand, channel_type, visibility, inbound, outbound,
                    new_customers)
                values ($1, $2, $3, $4, $5, $6, $7, 0)
                on conflict (workspace_id, period, brand, channel_type, visibility) do update
                set inbound = report_volume.inbound + excluded.inbound,
                    outbound = report_volume.outbound + excluded.outbound
                """,
                key.WorkspaceId,
                key.Period,
                key.Brand,
                key.ChannelType,
                key.Visibility,
                counts[0],
                counts[1]
            );
        }

        // A customer's first engagement in the workspace makes a new customer, counted where that engagement is.
        var first = _engagedCustomers.DistinctBy(c => (c.Workspace, c.Customer)).ToList();
        Seen = [.. first.Select(c => (c.Workspace, c.Customer))];
        if (first.Count == 0)
        {
            return;
        }

        writer.Execute(
            """
            with engaged as (
                select * from unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[], $6::text[])
                    as e (workspace_id, customer_id, period, brand, channel_type, visibility)
            ), fresh as (
                insert into report_customers (workspace_id, customer_id)
                select workspace_id, customer_id from engaged on conflict do nothing
                returning workspace_id, customer_id
            )
            insert into report_volume (workspace_id, period, brand, channel_type, visibility, inbound, outbound,
                new_customers)
            select e.workspace_id, e.period, e.brand, e.channel_type, e.visibility, 0, 0, count(*)
            from engaged e join fresh f using (workspace_id, customer_id)
            group by e.workspace_id, e.period, e.brand, e.channel_type, e.visibility
            on conflict (workspace_id, period, brand, channel_type, visibility) do update
            set new_customers = report_volume.new_customers + excluded.new_customers
            """,
            first.Select(c => c.Workspace).ToArray(),
            first.Select(c => c.Customer).ToArray(),
            first.Select(c => c.Key.Period).ToArray(),
            first.Select(c => c.Key.Brand).ToArray(),
            first.Select(c => c.Key.ChannelType).ToArray(),
            first.Select(c => c.Key.Visibility).ToArray()
        );
    }

    private void WriteFeedback()
    {
        foreach (var (key, (responses, sum, distribution)) in _feedback)
        {
            writer.Execute(
                $"""
                insert into report_feedback (workspace_id, period, brand, channel_type, channel_id, team, kind,
                    responses, score_sum, {ReportPeriods.FeedbackScores})
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, {string.Join(
                    ", ",
                    Enumerable.Range(10, 11).Select(i => "$" + i)
                )})
                on conflict (workspace_id, period, brand, channel_type, channel_id, team, kind) do update
                set responses = report_feedback.responses + excluded.responses,
                    score_sum = report_feedback.score_sum + excluded.score_sum,
                    {string.Join(
                    ", ",
                    Enumerable.Range(0, 11).Select(i => $"score_{i} = report_feedback.score_{i} + excluded.score_{i}")
                )}
                """,
                [
                    key.WorkspaceId,
                    key.Period,
                    key.Brand,
                    key.ChannelType,
                    key.ChannelId,
                    key.Team,
                    key.Kind,
                    responses,
                    sum,
                    .. distribution.Cast<object?>(),
                ]
            );
        }
    }
}
