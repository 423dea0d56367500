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

    /// <summary>Customers' personal data in full — identities, text, attachments, metadata — in reads, the changefeed
    /// and the stream; without it they answer pseudonymously (docs/privacy.md).</summary>
    public const string PiiRead = "pii:read";

    /// <summary>Erase a customer's personal data (<c>POST /v1/customers/{id}/erasure</c>) and read erasures.</summary>
    public const string CustomersErase = "customers:erase";

    /// <summary>Confirm erasures for any party of the workspace (a bus consumer's key, a privacy officer's).</summary>
    public const string ErasuresConfirm = "erasures:confirm";

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
        PiiRead,
        CustomersErase,
        ErasuresConfirm,
    ];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);
}
