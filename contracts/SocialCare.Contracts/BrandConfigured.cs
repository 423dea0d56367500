namespace SocialCare.Contracts;

/// <summary>One opening of a day, in the brand's local time: <c>from</c> and <c>to</c> as <c>HH:mm</c>, <c>to</c> up
/// to <c>24:00</c>.</summary>
/// <param name="From">When the opening starts, <c>HH:mm</c>.</param>
/// <param name="To">When it ends, <c>HH:mm</c> (<c>24:00</c> for midnight).</param>
public sealed record OpeningHours(string From, string To);

/// <summary>
/// A brand's care settings were set or replaced: its time zone, business hours, holidays, languages and default SLA
/// policy. Rules and SLA clocks read them; <see cref="BrandRemoved"/> returns the brand to the defaults (always open,
/// no SLA).
/// </summary>
[EventType(EventTypes.BrandConfigured)]
public sealed record BrandConfigured : HubEvent
{
    /// <summary>The brand's name for people.</summary>
    public string? DisplayName { get; init; }

    /// <summary>The brand's IANA time zone (<c>Asia/Riyadh</c>): its business hours and holidays are in it.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>The openings of each day of the week (<c>sun</c> … <c>sat</c>); a day not listed is closed. Empty:
    /// always open.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<OpeningHours>> BusinessHours { get; init; } =
        new Dictionary<string, IReadOnlyList<OpeningHours>>();

    /// <summary>Local dates the brand is closed all day.</summary>
    public IReadOnlyList<DateOnly> Holidays { get; init; } = [];

    /// <summary>The SLA policy conversations of the brand get unless a rule applies another; null for none.</summary>
    public Guid? DefaultSlaPolicyId { get; init; }

    /// <summary>The languages the brand answers in, as BCP 47 tags, preferred first.</summary>
    public IReadOnlyList<string> Languages { get; init; } = [];
}

/// <summary>A brand's care settings were removed: it is always open again, with no default SLA policy.</summary>
[EventType(EventTypes.BrandRemoved)]
public sealed record BrandRemoved : HubEvent;
