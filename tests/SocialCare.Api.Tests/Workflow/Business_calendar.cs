using CsCheck;
using SocialCare.Api.Workflow;

namespace SocialCare.Api.Tests.Workflow;

/// <summary>
/// The business-hours arithmetic SLA clocks stand on, as properties over random calendars (zones with and without
/// daylight saving, half-hour offsets and half-hour shifts, split days, holidays), random instants across two years of
/// clock changes, and random amounts of open time; and the cases a reader checks by hand.
/// </summary>
public sealed class Business_calendar
{
    private static readonly string[] Zones =
    [
        "Asia/Riyadh",
        "Europe/London",
        "America/New_York",
        "Australia/Lord_Howe",
        "Asia/Kathmandu",
        "America/Santiago",
        "UTC",
    ];

    private static readonly Gen<OpeningSpan> Span = Gen.Select(Gen.Int[0, 47], Gen.Int[1, 48])
        .Where((a, b) => a < b)
        .Select((a, b) => new OpeningSpan(a * 30, b * 30));

    private static readonly Gen<IReadOnlyList<OpeningSpan>> Day = Gen.OneOf(
        Gen.Const((IReadOnlyList<OpeningSpan>)[]),
        Span.Select(s => (IReadOnlyList<OpeningSpan>)[s]),
        Gen.Select(Span, Span).Where((a, b) => a.To <= b.From).Select((a, b) => (IReadOnlyList<OpeningSpan>)[a, b])
    );

    internal static readonly Gen<BusinessCalendar> Calendar = Gen.Select(
            Gen.OneOf(Zones),
            Day.Array[7],
            Gen.Int[0, 700].Array[0, 8]
        )
        .Where((_, week, _) => week.Any(d => d.Count > 0))
        .Select(
            (zone, week, holidays) =>
                new BusinessCalendar(
                    TimeZoneInfo.FindSystemTimeZoneById(zone),
                    Enumerable.Range(0, 7).ToDictionary(d => (DayOfWeek)d, d => week[d]),
                    holidays.Select(h => new DateOnly(2026, 1, 1).AddDays(h))
                )
        );

    internal static readonly Gen<DateTimeOffset> Instant = Gen.Long[0, 2L * 365 * 24 * 60]
        .Select(m => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(m).AddSeconds(m % 59));

    private static readonly Gen<TimeSpan> OpenTime = Gen.Int[0, 120 * 60].Select(m => TimeSpan.FromMinutes(m));

    [Test]
    public void Adding_open_time_then_measuring_it_gives_it_back() =>
        Gen.Select(Calendar, Instant, OpenTime)
            .Sample(
                (calendar, start, open) =>
                    calendar.Add(start, open) is not { } due || calendar.OpenTimeBetween(start, due) == open,
                iter: 3_000
            );

    [Test]
    public void Adding_in_two_steps_is_adding_once() =>
        Gen.Select(Calendar, Instant, OpenTime, OpenTime)
            .Sample(
                (calendar, start, a, b) =>
                    calendar.Add(start, a) is not { } first
                    || (calendar.Add(start, a + b), calendar.Add(first, b)) switch
                    {
                        ({ } once, var twice) => twice == once,
                        // A calendar so sparse that the sum lies beyond the horizon (over two years of openings away):
                        // "never", as far as an SLA clock is concerned; the two steps reach past the horizon too.
                        (null, var twice) => twice is null || twice > start.AddDays(700),
                    },
                iter: 3_000
            );

    [Test]
    public void A_due_time_falls_at_the_end_of_open_time() =>
        Gen.Select(Calendar, Instant, OpenTime.Where(t => t > TimeSpan.Zero))
            .Sample(
                (calendar, start, open) =>
                    calendar.Add(start, open) is not { } due || calendar.IsOpen(due - TimeSpan.FromTicks(1)),
                iter: 3_000
            );

    [Test]
    public void Open_time_adds_up_over_consecutive_stretches() =>
        Gen.Select(Calendar, Instant, Gen.Int[0, 20_000], Gen.Int[0, 20_000])
            .Sample(
                (calendar, a, m1, m2) =>
                {
                    var (b, c) = (a.AddMinutes(m1), a.AddMinutes(m1 + m2));
                    return calendar.OpenTimeBetween(a, b) + calendar.OpenTimeBetween(b, c)
                        == calendar.OpenTimeBetween(a, c);
                },
                iter: 3_000
            );

    [Test]
    public void The_next_opening_is_open_and_nothing_before_it_is() =>
        Gen.Select(Calendar, Instant)
            .Sample(
                (calendar, instant) =>
                    calendar.NextOpening(instant) is not { } next
                    || (calendar.IsOpen(next) && calendar.OpenTimeBetween(instant, next) == TimeSpan.Zero),
                iter: 3_000
            );

    [Test]
    public void An_unconfigured_brand_is_always_open() =>
        Gen.Select(Instant, OpenTime)
            .Sample(
                (start, open) =>
                    BusinessCalendar.AlwaysOpen.Add(start, open) == start + open
                    && BusinessCalendar.AlwaysOpen.IsOpen(start)
            );

    [Test]
    public void Riyadh_is_closed_on_its_weekend_and_an_hour_on_thursday_evening_runs_into_sunday_morning()
    {
        var riyadh = Weekdays(
            "Asia/Riyadh",
            [DayOfWeek.Sunday, DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday]
        );
        // Thursday 2026-12-03 16:30 Riyadh (13:30Z); 09:00–17:00 leaves 30 minutes, Friday and Saturday are closed.
        var due = riyadh.Add(new DateTimeOffset(2026, 12, 3, 13, 30, 0, TimeSpan.Zero), TimeSpan.FromHours(1));
        Assert.Multiple(() =>
        {
            Assert.That(due, Is.EqualTo(new DateTimeOffset(2026, 12, 6, 9, 30, 0, TimeSpan.FromHours(3))));
            Assert.That(riyadh.IsOpen(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.FromHours(3))), Is.False);
            Assert.That(
                riyadh.NextOpening(new DateTimeOffset(2026, 12, 3, 22, 0, 0, TimeSpan.FromHours(3))),
                Is.EqualTo(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.FromHours(3)))
            );
        });
    }

    [Test]
    public void A_holiday_is_closed_all_day()
    {
        var riyadh = new BusinessCalendar(
            TimeZoneInfo.FindSystemTimeZoneById("Asia/Riyadh"),
            Enum.GetValues<DayOfWeek>().ToDictionary(d => d, _ => (IReadOnlyList<OpeningSpan>)[new(9 * 60, 17 * 60)]),
            [new DateOnly(2026, 12, 2)]
        );
        var due = riyadh.Add(new DateTimeOffset(2026, 12, 1, 16, 0, 0, TimeSpan.FromHours(3)), TimeSpan.FromHours(2));
        Assert.That(due, Is.EqualTo(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.FromHours(3))));
    }

    [Test]
    public void Opening_hours_are_wall_clock_hours_on_the_days_the_clocks_change()
    {
        var london = new BusinessCalendar(
            TimeZoneInfo.FindSystemTimeZoneById("Europe/London"),
            Enum.GetValues<DayOfWeek>()
                .ToDictionary(d => d, _ => (IReadOnlyList<OpeningSpan>)[new(0, 3 * 60), new(9 * 60, 17 * 60)]),
            []
        );
        // 2026-03-29: 01:00 GMT becomes 02:00 BST, so 00:00–03:00 is 2 hours; 2026-10-25: 02:00 BST becomes 01:00 GMT,
        // so 00:00–03:00 is 4 hours. 09:00–17:00 is 8 hours on both.
        Assert.Multiple(() =>
        {
            Assert.That(Open(london, new DateTime(2026, 3, 29)), Is.EqualTo(TimeSpan.FromHours(2 + 8)));
            Assert.That(Open(london, new DateTime(2026, 10, 25)), Is.EqualTo(TimeSpan.FromHours(4 + 8)));
            Assert.That(Open(london, new DateTime(2026, 10, 26)), Is.EqualTo(TimeSpan.FromHours(3 + 8)));
        });
    }

    /// <summary>The open time of one London day: from 20:00Z the evening before (after that day's 17:00) to 22:00Z on
    /// the day (before the next day's midnight, whatever the offset).</summary>
    private static TimeSpan Open(BusinessCalendar calendar, DateTime day) =>
        calendar.OpenTimeBetween(
            new DateTimeOffset(day.AddDays(-1), TimeSpan.Zero).AddHours(20),
            new DateTimeOffset(day, TimeSpan.Zero).AddHours(22)
        );

    private static BusinessCalendar Weekdays(string zone, DayOfWeek[] days) =>
        new(
            TimeZoneInfo.FindSystemTimeZoneById(zone),
            days.ToDictionary(d => d, _ => (IReadOnlyList<OpeningSpan>)[new(9 * 60, 17 * 60)]),
            []
        );
}
