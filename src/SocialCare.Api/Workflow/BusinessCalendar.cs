namespace SocialCare.Api.Workflow;

/// <summary>One opening of a day, in minutes after local midnight: <c>[From, To)</c>, <c>To</c> up to 1,440 (24:00).</summary>
public readonly record struct OpeningSpan(int From, int To);

/// <summary>
/// When a brand is open: weekly hours in its own time zone, less its holidays. SLA clocks that count business hours
/// only run inside them, across days, weekends, holidays and daylight-saving changes. A day's hours are local wall-clock
/// times; each is turned into an instant with the zone's rules, so an opening that spans a change lasts what the clocks
/// on the wall say (09:00–17:00 is 8 hours on any day; 00:00–03:00 is 4 hours on the night the clocks go back). A
/// local time the clocks skip (spring forward) means the first instant after the gap; a local time they repeat means
/// its first occurrence. Without hours the brand is always open (<see cref="AlwaysOpen"/>), as a brand that was never
/// configured is.
/// </summary>
public sealed class BusinessCalendar
{
    /// <summary>How far ahead an answer is looked for: beyond it, a calendar is taken to never open.</summary>
    private const int HorizonDays = 800;

    private readonly TimeZoneInfo _zone;
    private readonly IReadOnlyList<OpeningSpan>[] _week;
    private readonly HashSet<DateOnly> _holidays;

    public BusinessCalendar(
        TimeZoneInfo zone,
        IReadOnlyDictionary<DayOfWeek, IReadOnlyList<OpeningSpan>> hours,
        IEnumerable<DateOnly> holidays
    )
    {
        _zone = zone;
        _week = Enumerable
            .Range(0, 7)
            .Select(d =>
                (IReadOnlyList<OpeningSpan>)(hours.GetValueOrDefault((DayOfWeek)d) ?? []).OrderBy(s => s.From).ToList()
            )
            .ToArray();
        _holidays = [.. holidays];
        IsAlwaysOpen = false;
    }

    private BusinessCalendar()
    {
        _zone = TimeZoneInfo.Utc;
        _week = [.. Enumerable.Range(0, 7).Select(_ => (IReadOnlyList<OpeningSpan>)[new OpeningSpan(0, 1440)])];
        _holidays = [];
        IsAlwaysOpen = true;
    }

    public static BusinessCalendar AlwaysOpen { get; } = new();

    public bool IsAlwaysOpen { get; }

    public TimeZoneInfo Zone => _zone;

    public bool IsOpen(DateTimeOffset instant) =>
        IsAlwaysOpen || Spans(LocalDate(instant).AddDays(-1), 3).Any(s => s.Start <= instant && instant < s.End);

    /// <summary>The first instant at or after <paramref name="instant"/> when the brand is open; null if it never
    /// opens again within the horizon.</summary>
    public DateTimeOffset? NextOpening(DateTimeOffset instant)
    {
        if (IsAlwaysOpen)
        {
            return instant;
        }

        foreach (var (start, end) in Spans(LocalDate(instant).AddDays(-1), HorizonDays))
        {
            if (end > instant)
            {
                return start > instant ? start : instant;
            }
        }

        return null;
    }

    /// <summary>How much open time lies in <c>[from, to)</c>.</summary>
    public TimeSpan OpenTimeBetween(DateTimeOffset from, DateTimeOffset to)
    {
        if (to <= from)
        {
            return TimeSpan.Zero;
        }

        if (IsAlwaysOpen)
        {
            return to - from;
        }

        var total = TimeSpan.Zero;
        var days = LocalDate(to).DayNumber - LocalDate(from).DayNumber + 3;
        foreach (var (start, end) in Spans(LocalDate(from).AddDays(-1), days))
        {
            if (start >= to)
            {
                break;
            }

            var overlap = (end < to ? end : to) - (start > from ? start : from);
            if (overlap > TimeSpan.Zero)
            {
                total += overlap;
            }
        }

        return total;
    }

    /// <summary>
    /// The instant at which <paramref name="openTime"/> of open time has passed since <paramref name="start"/>: an SLA
    /// target's due time. Null when the calendar does not hold that much open time within the horizon.
    /// </summary>
    public DateTimeOffset? Add(DateTimeOffset start, TimeSpan openTime)
    {
        if (openTime <= TimeSpan.Zero)
        {
            return start;
        }

        if (IsAlwaysOpen)
        {
            return start + openTime;
        }

        var remaining = openTime;
        foreach (var (spanStart, end) in Spans(LocalDate(start).AddDays(-1), HorizonDays))
        {
            if (end <= start)
            {
                continue;
            }

            var from = spanStart > start ? spanStart : start;
            if (end - from >= remaining)
            {
                return from + remaining;
            }

            remaining -= end - from;
        }

        return null;
    }

    private DateOnly LocalDate(DateTimeOffset instant) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, _zone).DateTime);

    /// <summary>The open spans of <paramref name="days"/> local days from <paramref name="first"/>, as instants, in
    /// order.</summary>
    private IEnumerable<(DateTimeOffset Start, DateTimeOffset End)> Spans(DateOnly first, int days)
    {
        for (var i = 0; i < days; i++)
        {
            var date = first.AddDays(i);
            if (_holidays.Contains(date))
            {
                continue;
            }

            foreach (var span in _week[(int)date.DayOfWeek])
            {
                var start = Instant(date, span.From);
                var end = Instant(date, span.To);
                if (end > start)
                {
                    yield return (start, end);
                }
            }
        }
    }

    /// <summary>The instant a local wall-clock time names: after a gap (spring forward) the first instant after it, in
    /// an overlap (fall back) the first occurrence.</summary>
    private DateTimeOffset Instant(DateOnly date, int minutes)
    {
        var local = date.ToDateTime(TimeOnly.MinValue).AddMinutes(minutes);
        if (_zone == TimeZoneInfo.Utc)
        {
            return new DateTimeOffset(local, TimeSpan.Zero);
        }

        while (_zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }

        var offset = _zone.IsAmbiguousTime(local)
            ? _zone.GetAmbiguousTimeOffsets(local).Max()
            : _zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }
}
