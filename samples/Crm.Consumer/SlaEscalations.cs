using MassTransit;
using Microsoft.Extensions.Logging;
using SocialCare.Contracts;

namespace Crm.Consumer;

/// <summary>
/// What the CRM does when the hub says a customer waited too long (<c>sla.breached</c>): it opens an escalation case
/// on the contact in its own database, owned by the account manager, and hangs the case on the conversation
/// (<c>POST …/link</c>, system <c>crm</c>) so that care and every other department see it there. One case per breach:
/// the event id keys both the case and the link's <c>Idempotency-Key</c>, so a redelivered event changes nothing.
/// </summary>
public sealed partial class SlaEscalations(CrmStore store, HubClient hub, ILogger<SlaEscalations> logger)
    : IConsumer<SlaBreached>
{
    public async Task Consume(ConsumeContext<SlaBreached> context)
    {
        var e = context.Message;
        var ct = context.CancellationToken;
        if (e.WorkspaceId != hub.WorkspaceId || e.ConversationId is not { } conversationId)
        {
            return;
        }

        var contact = e.CustomerId is { } customerId ? await store.ContactOfAsync(customerId, ct) : null;
        var caseId = await store.OpenEscalationAsync(e.EventId, contact?.Id, conversationId, e.Target, ct);
        await hub.LinkAsync(conversationId, e.EventId, caseId, ct);
        LogEscalated(logger, e.Target, e.PolicyName, contact?.Name ?? "an unknown contact", caseId, conversationId);
    }

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "[crm] SLA {Target} of {Policy} breached for {Name}: escalation {CaseId} opened and linked to "
            + "conversation {ConversationId}"
    )]
    private static partial void LogEscalated(
        ILogger logger,
        string target,
        string policy,
        string name,
        string caseId,
        Guid conversationId
    );
}
