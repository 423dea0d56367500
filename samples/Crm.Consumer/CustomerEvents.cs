using System.Globalization;
using MassTransit;
using Microsoft.Extensions.Logging;
using SocialCare.Contracts;

namespace Crm.Consumer;

/// <summary>
/// What the CRM does with the hub's events: a customer's message → look the person up in the CRM and put their lifetime
/// value and segment on the conversation (once; later messages find it there); a new customer → remember which hub
/// customer the CRM contact is; a merge → re-key.
/// </summary>
public sealed partial class CustomerEvents(CrmStore store, HubClient hub, ILogger<CustomerEvents> logger)
    : IConsumer<EngagementReceived>,
        IConsumer<CustomerCreated>,
        IConsumer<CustomerMerged>
{
    public async Task Consume(ConsumeContext<EngagementReceived> context)
    {
        var e = context.Message;
        var ct = context.CancellationToken;
        if (e.WorkspaceId != hub.WorkspaceId || e.ConversationId is not { } conversationId)
        {
            return;
        }

        var contact =
            (e.CustomerId is { } known ? await store.ContactOfAsync(known, ct) : null)
            ?? await store.FindAsync(e.ChannelType, e.Author.PlatformUserId, ct);
        var written = await hub.SegmentAsync(conversationId, ct);
        var segment = contact?.Segment ?? "prospect";
        if (written == segment)
        {
            return;
        }

        if (contact is not null && e.CustomerId is { } customerId)
        {
            await store.AttachAsync(contact.Id, customerId, ct);
        }

        await hub.WriteContextAsync(
            conversationId,
            e.EventId,
            new Dictionary<string, object?>
            {
                ["crmContactId"] = contact?.Id,
                ["lifetimeValue"] = contact?.LifetimeValue ?? 0m,
                ["currency"] = "AED",
                ["segment"] = segment,
            },
            ct
        );
        LogWrote(
            logger,
            contact?.Name ?? e.Author.DisplayName ?? e.Author.PlatformUserId,
            segment,
            (contact?.LifetimeValue ?? 0m).ToString("N2", CultureInfo.InvariantCulture),
            conversationId
        );
    }

    public async Task Consume(ConsumeContext<CustomerCreated> context)
    {
        var e = context.Message;
        if (
            e.WorkspaceId == hub.WorkspaceId
            && e.CustomerId is { } customerId
            && await store.FindAsync(e.Identity.ChannelType, e.Identity.PlatformUserId, context.CancellationToken)
                is { } contact
        )
        {
            await store.AttachAsync(contact.Id, customerId, context.CancellationToken);
            LogAttached(logger, contact.Id, contact.Name, customerId);
        }
    }

    public async Task Consume(ConsumeContext<CustomerMerged> context)
    {
        var e = context.Message;
        if (e.WorkspaceId == hub.WorkspaceId && e.CustomerId is { } survivor)
        {
            var moved = await store.RekeyAsync(e.MergedCustomerId, survivor, context.CancellationToken);
            LogRekeyed(logger, moved, e.MergedCustomerId, survivor);
        }
    }

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "[crm] {Name}: segment {Segment}, lifetime value {Value} AED "
            + "→ written onto conversation {ConversationId}"
    )]
    private static partial void LogWrote(
        ILogger logger,
        string name,
        string segment,
        string value,
        Guid conversationId
    );

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "[crm] new hub customer {CustomerId} is CRM contact {ContactId} ({Name})"
    )]
    private static partial void LogAttached(ILogger logger, string contactId, string name, Guid customerId);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "[crm] customer {From} merged into {To}: {Count} contact(s) re-keyed"
    )]
    private static partial void LogRekeyed(ILogger logger, int count, Guid from, Guid to);
}
