using System.Globalization;
using FluentValidation;
using SocialCare.Api.Infrastructure.Validation;
using SocialCare.Contracts;

namespace SocialCare.Api.Workflow.Brands;

/// <summary>
/// A brand's care settings, set or replaced as a whole. <c>businessHours</c> maps a day (<c>sun</c> … <c>sat</c>) to its
/// openings in the brand's local time; a day left out is closed, and leaving the map out (or empty) keeps the brand
/// always open.
/// </summary>
public sealed record PutBrandRequest(
    string? DisplayName,
    string TimeZone,
    Dictionary<string, List<OpeningHours>>? BusinessHours,
    List<DateOnly>? Holidays,
    Guid? DefaultSlaPolicyId,
    List<string>? Languages
);

/// <summary>A brand's care settings; <c>version</c> is also its ETag. <c>openNow</c> and <c>nextOpeningAt</c> are
/// worked out from them when read, for the app that tells a customer when the brand is back.</summary>
public sealed record BrandResponse(
    string Brand,
    string? DisplayName,
    string TimeZone,
    IReadOnlyDictionary<string, IReadOnlyList<OpeningHours>> BusinessHours,
    IReadOnlyList<DateOnly> Holidays,
    Guid? DefaultSlaPolicyId,
    IReadOnlyList<string> Languages,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    bool OpenNow,
    DateTimeOffset? NextOpeningAt
);

/// <summary>The days of <c>businessHours</c>, as the API names them, and how wall-clock times are written.</summary>
public static class BrandDays
{
    public static IReadOnlyList<string> All { get; } = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    /// <summary>Minutes after midnight of <c>HH:mm</c> (<c>24:00</c> is 1,440); null when it is not such a
    /// time.</summary>
    public static int? Minutes(string? time) =>
        time switch
        {
            "24:00" => 1440,
            { Length: 5 }
                when TimeOnly.TryParseExact(
                    time,
                    "HH:mm",
                    CultureInfo.InvariantCulture,
                    DateTimeStyles.None,
                    out var t
                ) => t.Hour * 60 + t.Minute,
            _ => null,
        };

    /// <summary>Business hours as the <c>brands</c> table keeps them (JSON, by day).</summary>
    public static Dictionary<string, IReadOnlyList<OpeningHours>> Hours(string json) =>
        System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, IReadOnlyList<OpeningHours>>>(
            json,
            EventLog.EventTypeRegistry.Json
        )!;

    /// <summary>The calendar SLA clocks run on for these settings.</summary>
    public static BusinessCalendar Calendar(
        string timeZone,
        IReadOnlyDictionary<string, IReadOnlyList<OpeningHours>> hours,
        IEnumerable<DateOnly> holidays
    ) =>
        hours.Count == 0
            ? BusinessCalendar.AlwaysOpen
            : new BusinessCalendar(
                TimeZoneInfo.FindSystemTimeZoneById(timeZone),
                hours.ToDictionary(
                    d => (DayOfWeek)All.ToList().IndexOf(d.Key),
                    d =>
                        (IReadOnlyList<OpeningSpan>)
                            d.Value.Select(o => new OpeningSpan(Minutes(o.From)!.Value, Minutes(o.To)!.Value)).ToList()
                ),
                holidays
            );

    /// <summary>An IANA zone this machine knows (<c>Asia/Riyadh</c>, <c>UTC</c>), not a Windows name.</summary>
    public static bool IsIanaZone(string? zone) =>
        zone is { Length: > 0 and <= 64 }
        && (zone == "UTC" || TimeZoneInfo.TryConvertIanaIdToWindowsId(zone, out _))
        && TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _);
}

internal sealed class PutBrandRequestValidator : AbstractValidator<PutBrandRequest>
{
    public PutBrandRequestValidator()
    {
        RuleFor(r => r.DisplayName).MaximumLength(200);
        RuleFor(r => r.TimeZone)
            .NotEmpty()
            .MaximumLength(64)
            .Must(BrandDays.IsIanaZone)
            .WithMessage("'timeZone' is an IANA time zone such as Asia/Riyadh or Europe/London.");
        RuleFor(r => r.BusinessHours)
            .MaxCount(7)
            .Must(h => h is null || h.Keys.All(BrandDays.All.Contains))
            .WithMessage("'businessHours' is keyed by day: sun, mon, tue, wed, thu, fri, sat.")
            .Must(h => h is null || h.Values.All(IsValidDay))
            .WithMessage(
                "Each day holds at most 6 openings {\"from\": \"HH:mm\", \"to\": \"HH:mm\"} in order, each ending after "
                    + "it starts (to may be 24:00), none overlapping."
            )
            .Must(h => h is null || h.Count == 0 || h.Values.Any(d => d.Count > 0))
            .WithMessage("'businessHours' opens on at least one day; leave it out for a brand that is always open.");
        RuleFor(r => r.Holidays)
            .MaxCount(366)
            .Must(h => h is null || h.Distinct().Count() == h.Count)
            .WithMessage("'holidays' lists each date once (at most 366).");
        RuleFor(r => r.Languages).MaxCount(20).WithMessage("At most 20 languages.");
        RuleForEach(r => r.Languages)
            .NotEmpty()
            .MaximumLength(35)
            .Matches("^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
            .WithMessage("A language is a BCP 47 tag such as ar, en or en-GB.");
    }

    private static bool IsValidDay(List<OpeningHours>? openings)
    {
        if (openings is null || openings.Count > 6)
        {
            return false;
        }

        var previousEnd = -1;
        foreach (var opening in openings)
        {
            if (
                opening is null
                || BrandDays.Minutes(opening.From) is not { } from
                || BrandDays.Minutes(opening.To) is not { } to
                || from >= to
                || from < previousEnd
                || from == 1440
            )
            {
                return false;
            }

            previousEnd = to;
        }

        return true;
    }
}
