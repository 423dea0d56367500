using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SocialCare.Api.Infrastructure.OpenApi;

/// <summary>
/// What each group of operations is for, as the document's tags say it (a generated client or reference page shows it
/// as the section's introduction). A tag without a description here makes the contract lint fail.
/// </summary>
internal sealed class TagDescriptionsFilter : IDocumentFilter
{
    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        ["Administration"] =
            "Operator tasks with the admin key: re-encrypting stored secrets under the active key, rebuilding the "
            + "reports from the event log.",
        ["Care operations"] =
            "How care runs, for every department at once: brands' time zones, business hours and holidays, and teams "
            + "triage rules and SLA policies. Scope `workflow:manage`.",
        ["Channels"] =
            "Channel accounts (a WhatsApp number, a Messenger page, an X account, a partner's source) and "
            + "their credentials, which are stored encrypted and never returned.",
        ["Conversation actions"] =
            "What any department does to a shared conversation: acknowledge, assign, tag, set "
            + "priority, claim, link to its own records, add context and notes, reply, resolve, reopen.",
        ["Conversations"] = "The shared conversation context: conversations, their engagements and their timeline.",
        ["Customers"] = "Customers across channels: their identities, conversations, linking and merging.",
        ["Engagements"] = "Messages, posts and comments from any source, through the generic ingestion API.",
        ["Events"] = "The event log: a cursor-paged changefeed and a Server-Sent Events stream, both resumable.",
        ["Erasures"] =
            "Erasing a customer's personal data, and the receipts of every webhook subscriber and bus consumer that "
            + "held copies (docs/privacy.md).",
        ["Reports"] =
            "Response times, volume and customer feedback (CSAT, NES, CES, NPS), computed from the event log and "
            + "rebuildable from it; JSON, or CSV with `Accept: text/csv`. Scope `reports:read`.",
        ["Platform webhooks"] =
            "Where WhatsApp, Messenger, Instagram and X deliver their webhooks, each verified by the "
            + "platform's own signature rather than an API key.",
        ["Webhook subscriptions"] =
            "Signed webhooks (Standard Webhooks) to each department's endpoints: "
            + "subscriptions, deliveries, attempts and replays.",
        ["Workspaces"] = "Workspaces and their API keys, scopes and brand limits.",
    };

    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        foreach (var tag in swaggerDoc.Tags ?? new HashSet<OpenApiTag>())
        {
            if (tag.Name is { } name && Descriptions.TryGetValue(name, out var description))
            {
                tag.Description = description;
            }
        }
    }
}
