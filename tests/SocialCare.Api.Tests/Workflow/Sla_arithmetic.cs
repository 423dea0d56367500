using CsCheck;
using SocialCare.Api.Workflow;
using SocialCare.Api.Workflow.Sla;
using SocialCare.Contracts;

namespace SocialCare.Api.Tests.Workflow;

/// <summary>
/// The SLA clocks' arithmetic on business hours (issue 18, point 4), as properties over the random calendars of
/// <see cref="Business_calendar"/> (zones with and without daylight saving, split days, holidays, two years of clock
/// changes): a target's due time is exactly its duration of open time after the start, the warning exactly
/// <c>warnBefore</c> of open time before it, and the timers and replies decide on those instants.
/// </summary>
public sealed class Sla_arithmetic
{
    private static readonly Gen<(TimeSpan Target, TimeSpan Warn)> Targets = Gen.Select(
            Gen.Int[2, 72 * 60],
            Gen.Int[1, 72 * 60]
        )
        .Where((target, warn) => warn < target)
        .Select((target, warn) => (TimeSpan.FromMinutes(target), TimeSpan.FromMinutes(warn)));

    private static (SlaClockRow Clock, SlaApplied Applied) Start(
        BusinessCalendar calendar,
        DateTimeOffset start,
        TimeSpan target,
        TimeSpan warn
    )
    {
        var clocks = new SlaClocks((_, _) => calendar);
        var policy = new SlaPolicyResponse(
            Guid.NewGuid(),
            "Office hours",
            $"PT{(int)target.TotalMinutes}M",
            null,
            null,
            BusinessHoursOnly: true,
            $"PT{(int)warn.TotalMinutes}M",
            false,
            1,
            start,
            start
        );
        var applied = clocks.Apply(
            Guid.NewGuid(),
            Guid.NewGuid(),
            "acme-ksa",
            policy,
            SlaSources.Brand,
            1,
            start,
            null,
            start
        )!;
        return (clocks.Clocks.Single(), applied);
    }

    [Test]
    public void A_due_time_is_the_target_of_open_time_after_the_start_and_the_warning_warnBefore_before_it() =>
        Gen.Select(Business_calendar.Calendar, Business_calendar.Instant, Targets)
            .Sample(
                (calendar, start, targets) =>
                {
                    var (clock, applied) = Start(calendar, start, targets.Target, targets.Warn);
                    return applied.Clocks.Single() == clock.Contract
                        && clock.StartedAt == start
                        && (
                            clock.DueAt is not { } due
                            || (
                                calendar.OpenTimeBetween(start, due) == targets.Target
                                && clock.WarnAt is { } warnAt
                                && warnAt <= due
                                && calendar.OpenTimeBetween(warnAt, due) == targets.Warn
                            )
                        );
                },
                iter: 2_000
            );

    [Test]
    public void The_timer_warns_at_warnAt_breaches_at_dueAt_and_does_nothing_in_between() =>
        Gen.Select(Business_calendar.Calendar, Business_calendar.Instant, Targets)
            .Sample(
                (calendar, start, targets) =>
                {
                    var (clock, _) = Start(calendar, start, targets.Target, targets.Warn);
                    if (clock is not { DueAt: { } due, WarnAt: { } warnAt })
                    {
                        return true;
                    }

                    var early = SlaClocks.Fire(clock, warnAt.AddTicks(-10));
                    var warning = SlaClocks.Fire(clock, warnAt);
                    var quiet = due > warnAt ? SlaClocks.Fire(clock, due.AddTicks(-10)) : null;
                    var breach = SlaClocks.Fire(clock, due);
                    return early is null
                        && (warning is SlaWarning || (warnAt == due && warning is SlaBreached))
                        && quiet is null
                        && (breach is SlaBreached || warning is SlaBreached)
                        && clock.Status == SlaClockRow.Breached
                        && clock.NextAt is null;
                },
                iter: 2_000
            );

    [Test]
    public void A_reply_in_time_meets_the_target_and_a_late_one_breaches_it() =>
        Gen.Select(Business_calendar.Calendar, Business_calendar.Instant, Targets, Gen.Bool)
            .Sample(
                (calendar, start, targets, late) =>
                {
                    var clocks = new SlaClocks((_, _) => calendar);
                    var conversation = Guid.NewGuid();
                    var policy = new SlaPolicyResponse(
                        Guid.NewGuid(),
                        "Office hours",
                        $"PT{(int)targets.Target.TotalMinutes}M",
                        null,
                        null,
                        true,
                        null,
                        false,
                        1,
                        start,
                        start
                    );
                    clocks.Apply(
                        conversation,
                        Guid.NewGuid(),
                        "acme-ksa",
                        policy,
                        SlaSources.Brand,
                        1,
                        start,
                        null,
                        start
                    );
                    var clock = clocks.Clocks.Single();
                    if (clock.DueAt is not { } due)
                    {
                        return true;
                    }

                    var at = late ? due.AddSeconds(1) : due;
                    var outcome = clocks
                        .Replied(
                            conversation,
                            new ReplyRequested
                            {
                                ReplyId = Guid.NewGuid(),
                                RecordedAt = at,
                                Actor = new EventActor(ActorKinds.App, null, "care", null, null),
                            }
                        )
                        .Single();
                    return late
                        ? outcome is SlaBreached && clock.Status == SlaClockRow.Breached
                        : outcome is SlaMet met && met.MetAt == at && clock.Status == SlaClockRow.Met;
                },
                iter: 1_000
            );
}
