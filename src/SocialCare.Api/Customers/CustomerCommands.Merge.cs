using SocialCare.Api.Conversations;
using SocialCare.Api.EventLog;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Contracts;

namespace SocialCare.Api.Customers;

/// <summary>Merging two customers: the survivor takes the other's identities, conversations and engagements.</summary>
public sealed partial class CustomerCommands
{
    /// <summary>How often a merge starts again when identities were linked to the customers while it waited for its
    /// locks.</summary>
    private const int MergeAttempts = 5;

    public async Task<(MergeResult? Result, Rejection? Rejected)> MergeAsync(
        Guid workspaceId,
        Guid survivorId,
        Guid mergedId,
        IReadOnlyList<string>? brands,
        EventActor actor,
        CancellationToken ct
    )
    {
        if (survivorId == mergedId)
        {
            return (null, new Rejection(ProblemCodes.BadRequest, "A customer cannot be merged into itself."));
        }

        for (var attempt = 0; attempt < MergeAttempts; attempt++)
        {
            var (outcome, locked) = await store.WriteAsync(
                writer => MergeAsync(writer, workspaceId, survivorId, mergedId, brands, actor, ct),
                ct
            );
            if (locked)
            {
                return outcome;
            }
        }

        return (
            null,
            new Rejection(ProblemCodes.Conflict, "The customers kept changing while they were being merged; retry.")
        );
    }

    /// <summary>
    /// One attempt. Lock order, as everywhere: the advisory keys of every identity and public thread of both customers
    /// (one sorted pass, as ingestion takes them), then the customer rows, then their conversation rows in id order,
    /// then (with the commit) the streams and the event numbers. <c>Locked</c> is false, and nothing written, when an
    /// identity was linked to one of the customers between reading its keys and locking them: the merge then starts
    /// again.
    /// </summary>
    private async Task<((MergeResult?, Rejection?) Outcome, bool Locked)> MergeAsync(
        EventWriter writer,
        Guid workspaceId,
        Guid survivorId,
        Guid mergedId,
        IReadOnlyList<string>? brands,
        EventActor actor,
        CancellationToken ct
    )
    {
        var ids = new[] { survivorId, mergedId };
        var keys = await ReadLockKeysAsync(writer, workspaceId, ids, ct);
        writer.Lock(keys);
        var customers = await writer.QueryAsync(
            $"select id, merged_into, {CustomerBrands.Of("c.id")} from customers c "
                + "where workspace_id = $1 and id = any($2) order by id for update",
            r =>
                (
                    Id: r.GetGuid(0),
                    MergedInto: r.IsDBNull(1) ? (Guid?)null : r.GetGuid(1),
                    Brands: r.GetFieldValue<string[]>(2)
                ),
            ct,
            workspaceId,
            ids
        );
        if (!(await ReadLockKeysAsync(writer, workspaceId, ids, ct)).IsSubsetOf(keys))
        {
            return (default, false);
        }

        if (customers.Count != 2)
        {
            return ((null, new Rejection(ProblemCodes.NotFound, "Both customers must exist in this workspace.")), true);
        }

        if (
            customers.Select(c => CustomerBrands.RefuseChange(brands, c.Brands)).FirstOrDefault(r => r is not null) is
            { } refused
        )
        {
            return ((null, refused), true);
        }

        if (customers.Any(c => c.MergedInto is not null))
        {
            return (
                (
                    null,
                    new Rejection(ProblemCodes.AlreadyMerged, "One of the customers was already merged into another.")
                ),
                true
            );
        }

        return ((await MoveAsync(writer, workspaceId, survivorId, mergedId, actor, ct), null), true);
    }

    /// <summary>Every identity and public-thread lock key of the customers, as ingestion would take them for their
    /// messages.</summary>
    internal static async Task<HashSet<string>> ReadLockKeysAsync(
        EventWriter writer,
        Guid workspaceId,
        Guid[] customerIds,
        CancellationToken ct
    )
    {
        var rows = await writer.QueryAsync(
            """
            select 'identity', channel_type, platform_user_id from customer_identities where workspace_id = $1 and
                customer_id = any($2)
            union all
            select 'thread', t.channel_id::text, t.thread_key from conversation_threads t join conversations c on c.id
                = t.conversation_id
            where t.workspace_id = $1 and c.workspace_id = $1 and c.customer_id = any($2)
            """,
            r =>
                r.GetString(0) == "identity"
                    ? Engagements.CustomerLocks.Identity(workspaceId, r.GetString(1), r.GetString(2))
                    : Engagements.CustomerLocks.Thread(Guid.Parse(r.GetString(1)), r.GetString(2)),
            ct,
            workspaceId,
            customerIds
        );
        return rows.ToHashSet(StringComparer.Ordinal);
    }

    private async Task<MergeResult> MoveAsync(
        EventWriter writer,
        Guid workspaceId,
        Guid survivorId,
        Guid mergedId,
        EventActor actor,
        CancellationToken ct
    )
    {
        var now = clock.GetUtcNow();
        HubEvent Stamp(HubEvent e, Guid? conversationId, string? brand) =>
            e with
            {
                EventId = Guid.CreateVersion7(),
                WorkspaceId = workspaceId,
                CustomerId = survivorId,
                ConversationId = conversationId,
                Brand = brand,
                RecordedAt = now,
                Actor = actor,
            };

        // An open conversation of the merged customer for a brand where the survivor already has one would break
        // "one open conversation per customer and brand": it is resolved, and its next inbound joins the survivor's.
        var duplicates = await writer.QueryAsync(
            """
            select m.id, m.brand, m.version, coalesce(m.episode_opened_at, m.opened_at), m.acknowledged_at,
                m.current_channel_id, ch.type
            from conversations m join channels ch on ch.id = m.current_channel_id
            where m.workspace_id = $1 and m.customer_id = $2 and m.status = 'open'
              and exists (select 1 from conversations s where s.workspace_id = $1 and s.customer_id = $3 and s.brand =
                  m.brand and s.status = 'open')
            order by m.id for update of m
            """,
            r =>
                (
                    Id: r.GetGuid(0),
                    Brand: r.GetString(1),
                    Version: r.GetInt64(2),
                    EpisodeOpenedAt: r.GetFieldValue<DateTimeOffset>(3),
                    AcknowledgedAt: r.IsDBNull(4) ? (DateTimeOffset?)null : r.GetFieldValue<DateTimeOffset>(4),
                    ChannelId: r.GetGuid(5),
                    ChannelType: r.GetString(6)
                ),
            ct,
            workspaceId,
            mergedId,
            survivorId
        );
        foreach (var d in duplicates)
        {
            var resolved = Stamp(
                ConversationDecisions.Resolution(
                    d.EpisodeOpenedAt,
                    d.AcknowledgedAt,
                    d.ChannelId,
                    d.ChannelType,
                    $"merged into customer {survivorId}",
                    now
                ),
                d.Id,
                d.Brand
            );
            writer.Append(d.Id, typeof(StreamTypes.Conversation), workspaceId, d.Version, [resolved]);
            ConversationProjection.Apply(writer, d.Id, [resolved], now);
        }

        var moved = await writer.QueryAsync(
            """
            update customer_identities set customer_id = $3 where workspace_id = $1 and customer_id = $2
            returning channel_type, platform_user_id, display_name, handle
            """,
            r => new CustomerIdentity(
                r.GetString(0),
                r.GetString(1),
                r.IsDBNull(2) ? null : r.GetString(2),
                r.IsDBNull(3) ? null : r.GetString(3)
            ),
            ct,
            workspaceId,
            mergedId,
            survivorId
        );
        var conversations = await ConversationProjection.MoveToCustomerAsync(
            writer,
            workspaceId,
            mergedId,
            survivorId,
            ct
        );
        writer.Execute(
            "update engagements set customer_id = $3 where workspace_id = $1 and customer_id = $2",
            workspaceId,
            mergedId,
            survivorId
        );
        writer.Execute("update customers set merged_into = $2 where id = $1", mergedId, survivorId);
        var resolvedIds = duplicates.Select(d => d.Id).ToList();
        writer.Append(
            survivorId,
            typeof(StreamTypes.Customer),
            workspaceId,
            null,
            [
                Stamp(
                    new CustomerMerged
                    {
                        MergedCustomerId = mergedId,
                        MovedIdentities = moved,
                        MovedConversationIds = conversations,
                        ResolvedConversationIds = resolvedIds,
                    },
                    null,
                    null
                ),
            ]
        );
        return new MergeResult(survivorId, mergedId, moved, conversations, resolvedIds);
    }
}
