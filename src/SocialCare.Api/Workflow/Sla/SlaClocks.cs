using SocialCare.Contracts;

namespace SocialCare.Api.Workflow.Sla;

/// <summary>The policy governing a conversation (a snapshot taken when it was applied) and its current episode: the
/// <c>conversation_sla</c> row, changed in memory while the workflow processor decides.</summary>
public sealed class ConversationSla
{
    public required Guid ConversationId { get; init; }
    public required Guid WorkspaceId { get; init; }
    public required SlaPolicyResponse Policy { get; set; }
    public required string Source { get; set; }
    public required DateTimeOffset AppliedAt { get; set; }
    public required int Episode { get; set; }

    /// <summary>The latest response that counts, in the current episode; null before the first.</summary>
    public DateTimeOffset? RespondedAt { get; set; }
}

/// <summary>One clock: a <c>sla_clocks</c> row, changed in memory while the workflow processor decides.</summary>
public sealed class SlaClockRow
{
    public const string Running = "running";
    public const string Met = "met";
    public const string Breached = "breached";
    public const string Stopped = "stopped";

    /// <summary>The clock's own id: a clock, once met, breached or stopped, is never written over.</summary>
    public Guid Id { get; init; } = Guid.CreateVersion7();

    public required Guid ConversationId { get; init; }
    public required Guid WorkspaceId { get; init; }
    public required int Episode { get; init; }
    public required string Target { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required Guid PolicyId { get; init; }
    public required string PolicyName { get; init; }
    public DateTimeOffset? WarnAt { get; init; }
    public DateTimeOffset? DueAt { get; init; }
    public string Status { get; set; } = Running;
    public DateTimeOffset? WarnedAt { get; set; }
    public DateTimeOffset? MetAt { get; set; }
    public DateTimeOffset? BreachedAt { get; set; }
    public DateTimeOffset? StoppedAt { get; set; }

    /// <summary>The durable timer: when the clock must be looked at again (its warning, then its due time); null once
    /// nothing is left to fire.</summary>
    public DateTimeOffset? NextAt =>
        Status != Running ? null
        : WarnAt is { } warn && WarnedAt is null && (DueAt is not { } due || warn < due) ? warn
        : DueAt;

    public bool IsRunning => Status == Running;

    public SlaClock Contract => new(Target, StartedAt, WarnAt, DueAt);

    public T Event<T>(T e)
        where T : SlaClockEvent =>
        e with
        {
            PolicyId = PolicyId,
            PolicyName = PolicyName,
            Episode = Episode,
            Target = Target,
            StartedAt = StartedAt,
            DueAt = DueAt,
        };
}

/// <summary>
/// What SLA clocks do, decided in memory on the conversations' rows and answered as the events to append: the events
/// of the log (in order, at the times they were recorded) start, meet and stop clocks; the timers warn and breach.
/// A response or resolution recorded after a due time the timer has not fired yet (the hub was down) breaches, as the
/// timer would have.
/// </summary>
public sealed class SlaClocks(Func<Guid, string, BusinessCalendar> calendarOf)
{
    private readonly Dictionary<Guid, ConversationSla> _slas = [];
    private readonly Dictionary<Guid, List<SlaClockRow>> _clocks = [];

    // What each row read from the database held, so that only the rows a pass changed (or started) are written back.
    private readonly Dictionary<object, object> _read = new(ReferenceEqualityComparer.Instance);

    public IEnumerable<ConversationSla> Slas => _slas.Values;

    public IEnumerable<SlaClockRow> Clocks => _clocks.Values.SelectMany(c => c);

    /// <summary>The SLA rows that are new, or changed since they were read.</summary>
    public IEnumerable<ConversationSla> ChangedSlas => Slas.Where(s => Changed(s, Fingerprint(s)));

    /// <summary>The clocks that are new, or changed since they were read.</summary>
    public IEnumerable<SlaClockRow> ChangedClocks => Clocks.Where(c => Changed(c, Fingerprint(c)));

    public bool Governs(Guid conversationId) => _slas.ContainsKey(conversationId);

    public void Load(ConversationSla sla)
    {
        _slas[sla.ConversationId] = sla;
        _read[sla] = Fingerprint(sla);
    }

    public void Load(SlaClockRow clock)
    {
        ClocksOf(clock.ConversationId).Add(clock);
        _read[clock] = Fingerprint(clock);
    }

    private bool Changed(object row, object now) => !_read.TryGetValue(row, out var then) || !then.Equals(now);

    private static object Fingerprint(ConversationSla s) =>
        (s.Policy.Id, s.Source, s.AppliedAt, s.Episode, s.RespondedAt);

    private static object Fingerprint(SlaClockRow c) => (c.Status, c.WarnedAt, c.MetAt, c.BreachedAt, c.StoppedAt);

    /// <summary>
    /// Applies <paramref name="policy"/> to the conversation's <paramref name="episode"/>, which started at <paramref
    /// name="episodeStart"/>: running clocks of another policy stop, and the policy's first-response and resolution
    /// clocks start from the episode's start (a first response already given in the episode counts). Null when the
    /// policy already governs the episode.
    /// </summary>
    public SlaApplied? Apply(
        Guid conversationId,
        Guid workspaceId,
        string brand,
        SlaPolicyResponse policy,
        string source,
        int episode,
        DateTimeOffset episodeStart,
        DateTimeOffset? respondedAt,
        DateTimeOffset now
    )
    {
        var replaced = _slas.TryGetValue(conversationId, out var before) ? before.Policy.Id : (Guid?)null;
        if (replaced == policy.Id && before!.Episode == episode)
        {
            return null;
        }

        foreach (var running in ClocksOf(conversationId).Where(c => c.IsRunning))
        {
            running.Status = SlaClockRow.Stopped;
            running.StoppedAt = now;
        }

        var sla = new ConversationSla
        {
            ConversationId = conversationId,
            WorkspaceId = workspaceId,
            Policy = policy,
            Source = source,
            AppliedAt = now,
            Episode = episode,
            RespondedAt = respondedAt,
        };
        _slas[conversationId] = sla;
        var started = new List<SlaClock>();
        foreach (var (target, duration) in policy.Targets())
        {
            if (target == SlaTargets.NextResponse || (target == SlaTargets.FirstResponse && respondedAt is not null))
            {
                continue;
            }

            started.Add(Start(sla, brand, target, duration, episodeStart).Contract);
        }

        return new SlaApplied
        {
            PolicyId = policy.Id,
            PolicyName = policy.Name,
            Episode = episode,
            Source = source,
            BusinessHoursOnly = policy.BusinessHoursOnly,
            ReplacedPolicyId = replaced == policy.Id ? null : replaced,
            Clocks = started,
        };
    }

    /// <summary>A reopening: the governing policy starts the new episode's clocks.</summary>
    public SlaApplied? Reopened(Guid conversationId, string brand, int episode, DateTimeOffset at)
    {
        if (!_slas.TryGetValue(conversationId, out var sla))
        {
            return null;
        }

        return Apply(conversationId, sla.WorkspaceId, brand, sla.Policy, sla.Source, episode, at, null, at);
    }

    /// <summary>A customer message: after a response in the episode, it starts the next-response clock (unless one
    /// runs already).</summary>
    public SlaStarted? Inbound(Guid conversationId, string brand, DateTimeOffset at)
    {
        if (
            !_slas.TryGetValue(conversationId, out var sla)
            || sla.RespondedAt is null
            || IsoDuration.Of(sla.Policy.NextResponse) is not { } target
            || Current(sla).Any(c => c.IsRunning && c.Target != SlaTargets.Resolution)
        )
        {
            return null;
        }

        var clock = Start(sla, brand, SlaTargets.NextResponse, target, at);
        return clock.Event(new SlaStarted { WarnAt = clock.WarnAt });
    }

    /// <summary>A reply: if it counts as a response, it meets (or, past due, breaches) the running response
    /// clocks.</summary>
    public IEnumerable<SlaClockEvent> Replied(Guid conversationId, ReplyRequested reply)
    {
        if (
            !_slas.TryGetValue(conversationId, out var sla)
            || (reply.Actor.Kind == ActorKinds.Rule && !sla.Policy.CountAutomaticReplies)
        )
        {
            return [];
        }

        sla.RespondedAt = reply.RecordedAt;
        return Current(sla)
            .Where(c => c.IsRunning && c.Target != SlaTargets.Resolution)
            .Select(c => Complete(c, reply.RecordedAt, reply.ReplyId))
            .ToList();
    }

    /// <summary>A resolution: meets (or breaches) the resolution clock and stops the response clocks.</summary>
    public IEnumerable<SlaClockEvent> Resolved(Guid conversationId, DateTimeOffset at)
    {
        if (!_slas.TryGetValue(conversationId, out var sla))
        {
            return [];
        }

        // A message after resolution (a survey's answer) starts no next-response clock: a reopening starts the next
        // episode's clocks.
        sla.RespondedAt = null;
        var events = new List<SlaClockEvent>();
        foreach (var clock in Current(sla).Where(c => c.IsRunning))
        {
            if (clock.Target == SlaTargets.Resolution)
            {
                events.Add(Complete(clock, at, null));
            }
            else
            {
                clock.Status = SlaClockRow.Stopped;
                clock.StoppedAt = at;
            }
        }

        return events;
    }

    /// <summary>A clock whose timer fell due at <paramref name="now"/>: its warning, or its breach (a warning whose
    /// due time has passed too is not sent).</summary>
    public static SlaClockEvent? Fire(SlaClockRow clock, DateTimeOffset now)
    {
        if (!clock.IsRunning)
        {
            return null;
        }

        if (clock.DueAt is { } due && due <= now)
        {
            return Breach(clock, now);
        }

        if (clock.WarnAt is { } warn && warn <= now && clock.WarnedAt is null)
        {
            clock.WarnedAt = now;
            return clock.Event(
                new SlaWarning { RemainingSeconds = clock.DueAt is { } d ? Math.Round((d - now).TotalSeconds, 3) : 0 }
            );
        }

        return null;
    }

    private static SlaClockEvent Complete(SlaClockRow clock, DateTimeOffset at, Guid? replyId)
    {
        if (clock.DueAt is { } due && at > due)
        {
            return Breach(clock, at);
        }

        clock.Status = SlaClockRow.Met;
        clock.MetAt = at;
        return clock.Event(
            new SlaMet
            {
                MetAt = at,
                ElapsedSeconds = Math.Round((at - clock.StartedAt).TotalSeconds, 3),
                ReplyId = replyId,
            }
        );
    }

    private static SlaBreached Breach(SlaClockRow clock, DateTimeOffset at)
    {
        clock.Status = SlaClockRow.Breached;
        clock.BreachedAt = at;
        return clock.Event(new SlaBreached());
    }

    private SlaClockRow Start(ConversationSla sla, string brand, string target, TimeSpan duration, DateTimeOffset at)
    {
        var policy = sla.Policy;
        var calendar = policy.BusinessHoursOnly ? calendarOf(sla.WorkspaceId, brand) : BusinessCalendar.AlwaysOpen;
        var clock = new SlaClockRow
        {
            ConversationId = sla.ConversationId,
            WorkspaceId = sla.WorkspaceId,
            Episode = sla.Episode,
            Target = target,
            StartedAt = Stored(at)!.Value,
            PolicyId = policy.Id,
            PolicyName = policy.Name,
            DueAt = Stored(calendar.Add(at, duration)),
            WarnAt = IsoDuration.Of(policy.WarnBefore) is { } warn ? Stored(calendar.Add(at, duration - warn)) : null,
        };
        ClocksOf(sla.ConversationId).Add(clock);
        return clock;
    }

    /// <summary>An instant as PostgreSQL keeps it (UTC, to the microsecond), so that events and rows say the
    /// same.</summary>
    private static DateTimeOffset? Stored(DateTimeOffset? instant) =>
        instant is { } i ? new DateTimeOffset(i.UtcTicks - i.UtcTicks % 10, TimeSpan.Zero) : null;

    private IEnumerable<SlaClockRow> Current(ConversationSla sla) =>
        ClocksOf(sla.ConversationId).Where(c => c.Episode == sla.Episode);

    private List<SlaClockRow> ClocksOf(Guid conversationId) =>
        _clocks.TryGetValue(conversationId, out var clocks) ? clocks : _clocks[conversationId] = [];
}
