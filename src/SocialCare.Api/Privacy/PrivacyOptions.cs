namespace SocialCare.Api.Privacy;

/// <summary>Erasure receipts and retention (section <c>Privacy</c>).</summary>
public sealed class PrivacyOptions
{
    public const string Section = "Privacy";

    /// <summary>How long the parties of an erasure have to confirm it.</summary>
    public TimeSpan ReceiptDeadline { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long before the deadline each reminder goes out (<c>erasure.reminder</c>); one more goes out when
    /// it has passed. Default: 7 days and 1 day before.</summary>
    public List<TimeSpan> ReceiptReminders { get; set; } = [];

    public static IReadOnlyList<TimeSpan> DefaultReminders { get; } = [TimeSpan.FromDays(7), TimeSpan.FromDays(1)];

    /// <summary>How often the hub looks for reminders that are due.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the retention job looks for what is due (<c>PUT /v1/workspaces/{id}/retention</c>).</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(1);
}
