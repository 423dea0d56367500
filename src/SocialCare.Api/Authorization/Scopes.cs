namespace SocialCare.Api.Authorization;

/// <summary>The scopes an API key can carry. Each names one capability; a key holds only what its app needs.</summary>
public static class Scopes
{
    public const string EngagementsWrite = "engagements:write";
    public const string ConversationsRead = "conversations:read";
    public const string ConversationsWrite = "conversations:write";
    public const string CustomersRead = "customers:read";
    public const string CustomersWrite = "customers:write";
    public const string ChannelsManage = "channels:manage";
    public const string SubscriptionsManage = "subscriptions:manage";
    public const string EventsRead = "events:read";

    /// <summary>For a channel's connector only: report how far a reply got (sent, delivered, read, failed).</summary>
    public const string RepliesReport = "replies:report";

    /// <summary>Care operations: brands' hours and time zones, and (coming) teams, triage rules and SLA
    /// policies.</summary>
    public const string WorkflowManage = "workflow:manage";

    /// <summary>Care reports: response times, volume and customer feedback.</summary>
    public const string ReportsRead = "reports:read";

    public static IReadOnlyList<string> All { get; } =
    [
        EngagementsWrite,
        ConversationsRead,
        ConversationsWrite,
        CustomersRead,
        CustomersWrite,
        ChannelsManage,
        SubscriptionsManage,
        EventsRead,
        RepliesReport,
        WorkflowManage,
        ReportsRead,
    ];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);
}
