using System.Globalization;
using System.Text.RegularExpressions;

namespace SocialCare.Api.Workflow.Sla;

/// <summary>
/// ISO 8601 durations of fixed length, as SLA targets are written: weeks, days, hours, minutes and seconds
/// (<c>P1W</c>, <c>P1DT12H</c>, <c>PT1H</c>, <c>PT90S</c>). Years and months are refused: their length depends on the
/// date, and a target must mean the same time on every conversation. A day is 24 hours of clock time (of business
/// time when the policy counts business hours only).
/// </summary>
public static partial class IsoDuration
{
    /// <summary>The longest target: a clock must fall due within the business calendar's horizon.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(365);

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text is null || text.EndsWith('T') || Pattern().Match(text) is not { Success: true } match)
        {
            return false;
        }

        long seconds = 0;
        var any = false;
        foreach (var (group, unit) in Units)
        {
            if (match.Groups[group].Success)
            {
                any = true;
                seconds += long.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) * unit;
            }
        }

        // Nine digits per unit fit a long of seconds; a TimeSpan holds less.
        if (!any || seconds > (long)TimeSpan.MaxValue.TotalSeconds)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }

    /// <summary>The duration of <paramref name="text"/>, which was validated when it was stored.</summary>
    public static TimeSpan? Of(string? text) => TryParse(text, out var d) ? d : null;

    /// <summary>Whether <paramref name="text"/> is a duration longer than zero and at most <see cref="Max"/>.</summary>
    public static bool IsTarget(string? text) => TryParse(text, out var d) && d > TimeSpan.Zero && d <= Max;

    private static readonly (string Group, long Seconds)[] Units =
    [
        ("w", 7 * 86400),
        ("d", 86400),
        ("h", 3600),
        ("m", 60),
        ("s", 1),
    ];

    /// <summary>The shape of a duration, as the API documents it; <see cref="IsTarget"/> also bounds it.</summary>
    public const string PatternText =
        "^P(?:(?<w>[0-9]{1,9})W)?(?:(?<d>[0-9]{1,9})D)?"
        + "(?:T(?:(?<h>[0-9]{1,9})H)?(?:(?<m>[0-9]{1,9})M)?(?:(?<s>[0-9]{1,9})S)?)?$";

    [GeneratedRegex(PatternText)]
    private static partial Regex Pattern();
}
