using Microsoft.Extensions.Options;
using SocialCare.Api.Customers;
using SocialCare.Api.EventLog;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Contracts;

namespace SocialCare.Api.Privacy;

/// <summary>
/// Erasing a customer: one transaction rewrites every copy of their personal data the hub holds — the events of their
/// customer and conversation streams (each <c>[Pii]</c> field made null, as <see cref="EventRedaction"/> does for the
/// <c>none</c> view), the read models, the stored webhook payloads and what subscribers answered to them — together
/// with those of every customer merged into them, appends <c>customer.erased</c> and records who must confirm. It
/// takes ingestion's locks on the customers' identities and threads first, as a merge does, so that no message of
/// theirs is being stored meanwhile. Rewriting in place rather than crypto-shredding: docs/privacy.md says why.
/// </summary>
public sealed class Erasures(EventStore store, TimeProvider clock, IOptionsMonitor<PrivacyOptions> options)
{
    private const int Attempts = 5;

    /// <summary>The customer's erasure: made now (<c>Created</c>), or the one made before.</summary>
    public async Task<(ErasureView? View, bool Created, Rejection? Rejected)> EraseAsync(
        Guid workspaceId,
        Guid customerId,
        IReadOnlyList<string>? brands,
        EventActor actor,
        CancellationToken ct
    )
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var (outcome, locked) = await store.WriteAsync(
                writer => EraseAsync(writer, workspaceId, customerId, brands, actor, ct),
                ct
            );
            if (locked)
            {
                return outcome;
            }
        }

        return (
            null,
            false,
            new Rejection(ProblemCodes.Conflict, "The customer kept changing while being erased; retry.")
        );
    }

    private async Task<((ErasureView?, bool, Rejection?) Outcome, bool Locked)> EraseAsync(
        EventWriter writer,
        Guid workspaceId,
        Guid customerId,
        IReadOnlyList<string>? brands,
        EventActor actor,
        CancellationToken ct
    )
    {
        // A merged customer's id leads to the survivor: the same person, erased as one.
        var survivor = (
            await writer.QueryAsync(
                """
                with recursive chain as (
                    select id, merged_into from customers where workspace_id = $1 and id = $2
                    union all
                    select c.id, c.merged_into from customers c join chain on c.id = chain.merged_into)
                select id from chain where merged_into is null
                """,
                r => r.GetGuid(0),
                ct,
                workspaceId,
                customerId
            )
        ).SingleOrDefault();
        if (survivor == Guid.Empty)
        {
            return ((null, false, new Rejection(ProblemCodes.NotFound, "The customer does not exist.")), true);
        }

        if (await ErasureStore.FindByCustomerAsync(writer, workspaceId, survivor, ct) is { } done)
        {
            // The erasure made before is shown only to a key that could have made it.
            return await ErasureStore.RefuseAsync(writer, done, brands, ct) is { } refusedAgain
                ? ((null, false, refusedAgain), true)
                : ((done, false, null), true);
        }

        var customers = await writer.QueryAsync(
            """
            with recursive tree as (
                select id from customers where workspace_id = $1 and id = $2
                union all
                select c.id from customers c join tree on c.merged_into = tree.id)
            select id from tree
            """,
            r => r.GetGuid(0),
            ct,
            workspaceId,
            survivor
        );
        var ids = customers.ToArray();
        var keys = await CustomerCommands.ReadLockKeysAsync(writer, workspaceId, ids, ct);
        writer.Lock(keys);
        var customerBrands = await writer.QueryAsync(
            $"select {CustomerBrands.Of("c.id")} from customers c where workspace_id = $1 and id = any($2) "
                + "order by id for update",
            r => r.GetFieldValue<string[]>(0),
            ct,
            workspaceId,
            ids
        );
        if (!(await CustomerCommands.ReadLockKeysAsync(writer, workspaceId, ids, ct)).IsSubsetOf(keys))
        {
            return (default, false);
        }

        if (
            customerBrands.Select(b => CustomerBrands.RefuseChange(brands, b)).FirstOrDefault(r => r is not null) is
            { } refused
        )
        {
            return ((null, false, refused), true);
        }

        var conversations = (
            await writer.QueryAsync(
                "select id from conversations where workspace_id = $1 and customer_id = any($2) order by id for update",
                r => r.GetGuid(0),
                ct,
                workspaceId,
                ids
            )
        ).ToArray();
        var events = await PiiRewrite.EventsAsync(
            writer,
            workspaceId,
            [.. ids, .. conversations],
            (_, _) => true,
            null,
            ct
        );
        writer.Execute(
            "update customers set display_name = null, erased_at = now() where workspace_id = $1 and id = any($2)",
            workspaceId,
            ids
        );
        writer.Execute(
            "delete from customer_identities where workspace_id = $1 and customer_id = any($2)",
            workspaceId,
            ids
        );
        PiiRewrite.Conversations(writer, workspaceId, conversations);
        // A stored answer to a reply, a note or a link of an identity would replay the words or ids it showed.
        writer.Execute(
            "delete from idempotency_keys where workspace_id = $1 and subject = any($2)",
            workspaceId,
            (Guid[])[.. ids, .. conversations]
        );

        var now = clock.GetUtcNow();
        var parties = await ErasureStore.PartiesAsync(writer, workspaceId, events, ct);
        var erasure = new ErasureView(
            Guid.CreateVersion7(),
            survivor,
            [.. ids.Where(id => id != survivor).Order()],
            conversations,
            events.Length,
            ErasureStatus.AwaitingReceipts,
            now,
            actor.Name,
            now + options.CurrentValue.ReceiptDeadline,
            null,
            [.. parties.Select(p => new ErasureParty(p.Kind, p.Party, null, null))]
        );
        var completed =
            erasure.Parties.Count == 0 ? erasure with { Status = ErasureStatus.Completed, CompletedAt = now } : erasure;
        ErasureStore.Insert(writer, workspaceId, completed);
        HubEvent Stamp(HubEvent e) =>
            e with
            {
                EventId = Guid.CreateVersion7(),
                WorkspaceId = workspaceId,
                CustomerId = survivor,
                RecordedAt = now,
                Actor = actor,
            };
        var appended = new List<HubEvent>
        {
            Stamp(
                new CustomerErased
                {
                    ErasureId = erasure.Id,
                    MergedCustomerIds = erasure.MergedCustomerIds,
                    ConversationIds = conversations,
                    SubscriptionIds =
                    [
                        .. parties
                            .Where(p => p.Kind == ErasurePartyKinds.Subscription)
                            .Select(p => Guid.Parse(p.Party)),
                    ],
                    Consumers = [.. parties.Where(p => p.Kind == ErasurePartyKinds.Consumer).Select(p => p.Party)],
                    ReceiptsDueAt = erasure.ReceiptsDueAt,
                }
            ),
        };
        if (completed.CompletedAt is not null)
        {
            appended.Add(Stamp(new ErasureCompleted { ErasureId = erasure.Id }));
        }

        writer.Append(survivor, typeof(StreamTypes.Customer), workspaceId, null, appended);
        return ((completed, true, null), true);
    }

    /// <summary>Records a party's receipt; once every party has confirmed, the erasure is complete
    /// (<c>erasure.completed</c>). Null when the erasure is not in the workspace; a rejection when the party is not
    /// one of its parties.</summary>
    public Task<(ErasureView? View, Rejection? Rejected)> ConfirmAsync(
        Guid workspaceId,
        Guid erasureId,
        string kind,
        string party,
        EventActor actor,
        CancellationToken ct
    ) =>
        store.WriteAsync<(ErasureView?, Rejection?)>(
            async writer =>
            {
                if (await ErasureStore.FindAsync(writer, workspaceId, erasureId, ct, forUpdate: true) is null)
                {
                    return (null, null);
                }

                var now = clock.GetUtcNow();
                if (!await ErasureStore.ConfirmAsync(writer, erasureId, kind, party, actor.Name, now, ct))
                {
                    return (
                        null,
                        new Rejection(
                            ProblemCodes.NotAParty,
                            $"The {kind} {party} is not a party of this erasure: it received none of the customer's "
                                + "data (or, for a bus consumer, was registered after the erasure)."
                        )
                    );
                }

                var view = (await ErasureStore.FindAsync(writer, workspaceId, erasureId, ct))!;
                if (view.CompletedAt is null && view.Parties.All(p => p.ConfirmedAt is not null))
                {
                    ErasureStore.Complete(writer, erasureId, now);
                    writer.Append(
                        view.CustomerId,
                        typeof(StreamTypes.Customer),
                        workspaceId,
                        null,
                        [
                            new ErasureCompleted
                            {
                                ErasureId = erasureId,
                                EventId = Guid.CreateVersion7(),
                                WorkspaceId = workspaceId,
                                CustomerId = view.CustomerId,
                                RecordedAt = now,
                                Actor = actor,
                            },
                        ]
                    );
                    view = view with { Status = ErasureStatus.Completed, CompletedAt = now };
                }

                return (view, null);
            },
            ct
        );

    /// <summary>The erasure, to a key that may act on every brand of the erased conversations.</summary>
    public Task<ErasureView?> FindAsync(
        Guid workspaceId,
        Guid erasureId,
        IReadOnlyList<string>? brands,
        CancellationToken ct
    ) =>
        store.WriteAsync(
            async writer =>
                await ErasureStore.FindAsync(writer, workspaceId, erasureId, ct) is { } view
                && await ErasureStore.RefuseAsync(writer, view, brands, ct) is null
                    ? view
                    : null,
            ct
        );
}
