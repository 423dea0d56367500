using Npgsql;
using SocialCare.Api.EventLog;

namespace SocialCare.Api.Privacy;

/// <summary>The erasures and their parties, read and written inside the event writer's transaction.</summary>
internal static class ErasureStore
{
    private const string Columns = """
        e.id, e.customer_id, e.merged_customer_ids, e.conversation_ids, e.events_erased, e.requested_at,
        e.requested_by, e.receipts_due_at, e.completed_at
        """;

    public static async Task<ErasureView?> FindByCustomerAsync(
        EventWriter writer,
        Guid workspaceId,
        Guid customerId,
        CancellationToken ct
    ) => await ReadAsync(writer, "e.workspace_id = $1 and e.customer_id = $2", workspaceId, customerId, ct);

    public static async Task<ErasureView?> FindAsync(
        EventWriter writer,
        Guid workspaceId,
        Guid id,
        CancellationToken ct,
        bool forUpdate = false
    ) =>
        await ReadAsync(
            writer,
            "e.workspace_id = $1 and e.id = $2" + (forUpdate ? " for update of e" : ""),
            workspaceId,
            id,
            ct
        );

    private static async Task<ErasureView?> ReadAsync(
        EventWriter writer,
        string where,
        Guid workspaceId,
        Guid id,
        CancellationToken ct
    )
    {
        var rows = await writer.QueryAsync(
            $"select {Columns} from erasures e where {where}",
            r => new ErasureView(
                r.GetGuid(0),
                r.GetGuid(1),
                r.GetFieldValue<Guid[]>(2),
                r.GetFieldValue<Guid[]>(3),
                r.GetInt32(4),
                r.IsDBNull(8) ? ErasureStatus.AwaitingReceipts : ErasureStatus.Completed,
                r.GetFieldValue<DateTimeOffset>(5),
                r.IsDBNull(6) ? null : r.GetString(6),
                r.GetFieldValue<DateTimeOffset>(7),
                r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8),
                []
            ),
            ct,
            workspaceId,
            id
        );
        if (rows.Count == 0)
        {
            return null;
        }

        var parties = await writer.QueryAsync(
            """
            select kind, party, confirmed_at, confirmed_by from erasure_parties where erasure_id = $1
            order by kind desc, party
            """,
            r => new ErasureParty(
                r.GetString(0),
                r.GetString(1),
                r.IsDBNull(2) ? null : r.GetFieldValue<DateTimeOffset>(2),
                r.IsDBNull(3) ? null : r.GetString(3)
            ),
            ct,
            rows[0].Id
        );
        return rows[0] with { Parties = parties };
    }

    /// <summary>
    /// Who must confirm: every subscription with a delivery of one of the customer's events — sent, tried, or held in
    /// an instance's memory at the moment of the erasure; the only ones that can hold the customer's data — and every
    /// bus consumer registered in the workspace.
    /// </summary>
    public static async Task<List<(string Kind, string Party)>> PartiesAsync(
        EventWriter writer,
        Guid workspaceId,
        Guid[] events,
        CancellationToken ct
    ) =>
        await writer.QueryAsync(
            """
            select 'subscription', subscription_id::text from (select distinct subscription_id from webhook_deliveries
                where workspace_id = $1 and event_id = any($2)) d
            union all
            select 'consumer', name from bus_consumers where workspace_id = $1
            order by 1 desc, 2
            """,
            r => (r.GetString(0), r.GetString(1)),
            ct,
            workspaceId,
            events
        );

    public static void Insert(EventWriter writer, Guid workspaceId, ErasureView erasure)
    {
        writer.Execute(
            """
            insert into erasures (id, workspace_id, customer_id, merged_customer_ids, conversation_ids, events_erased,
                requested_at, requested_by, receipts_due_at, completed_at)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """,
            erasure.Id,
            workspaceId,
            erasure.CustomerId,
            erasure.MergedCustomerIds.ToArray(),
            erasure.ConversationIds.ToArray(),
            erasure.EventsErased,
            erasure.RequestedAt,
            erasure.RequestedBy,
            erasure.ReceiptsDueAt,
            erasure.CompletedAt
        );
        if (erasure.Parties.Count > 0)
        {
            writer.Execute(
                "insert into erasure_parties (erasure_id, kind, party) select $1, * from unnest($2::text[], $3::text[])",
                erasure.Id,
                erasure.Parties.Select(p => p.Kind).ToArray(),
                erasure.Parties.Select(p => p.Party).ToArray()
            );
        }
    }

    /// <summary>Records a party's confirmation (the first one counts); true when it is a party of the
    /// erasure.</summary>
    public static async Task<bool> ConfirmAsync(
        EventWriter writer,
        Guid erasureId,
        string kind,
        string party,
        string? by,
        DateTimeOffset now,
        CancellationToken ct
    ) =>
        (
            await writer.QueryAsync(
                """
                update erasure_parties set confirmed_at = coalesce(confirmed_at, $4),
                    confirmed_by = case when confirmed_at is null then $5 else confirmed_by end
                where erasure_id = $1 and kind = $2 and party = $3 returning 1
                """,
                r => r.GetInt32(0),
                ct,
                erasureId,
                kind,
                party,
                now,
                by
            )
        ).Count == 1;

    /// <summary>Why a key limited to <paramref name="brands"/> may not see the erasure — its conversations are of
    /// brands it may not act on — or null when it may.</summary>
    public static async Task<Infrastructure.Problems.Rejection?> RefuseAsync(
        EventWriter writer,
        ErasureView erasure,
        IReadOnlyList<string>? brands,
        CancellationToken ct
    ) =>
        brands is null
            ? null
            : Customers.CustomerBrands.RefuseChange(
                brands,
                await writer.QueryAsync(
                    "select distinct brand from conversations where id = any($1)",
                    r => r.GetString(0),
                    ct,
                    erasure.ConversationIds.ToArray()
                )
            );

    public static void Complete(EventWriter writer, Guid erasureId, DateTimeOffset now) =>
        writer.Execute("update erasures set completed_at = $2 where id = $1 and completed_at is null", erasureId, now);

    /// <summary>The open erasures whose next reminder is due ($1 now, $2 the reminders' offsets before the deadline,
    /// in descending order; a reminder past the last offset is the overdue one).</summary>
    public static NpgsqlCommand DueReminders(NpgsqlDataSource dataSource, DateTimeOffset now, TimeSpan[] before)
    {
        var command = dataSource.CreateCommand(
            """
            select id, workspace_id, customer_id, receipts_due_at, reminders_sent from erasures
            where completed_at is null and reminders_sent <= cardinality($2::interval[])
              and receipts_due_at - coalesce(($2::interval[])[reminders_sent + 1], interval '0') <= $1
            order by receipts_due_at limit 100
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        command.Parameters.Add(new NpgsqlParameter { Value = before });
        return command;
    }
}
