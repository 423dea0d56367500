using Microsoft.Extensions.Options;
using Npgsql;
using SocialCare.Api.EventLog;
using SocialCare.Contracts;

namespace SocialCare.Api.Privacy;

/// <summary>
/// Reminds the parties of an erasure that have not confirmed it: <c>erasure.reminder</c> at each
/// <c>Privacy:ReceiptReminders</c> offset before the deadline, and once more, <c>overdue</c>, when it has passed. Each
/// reminder is appended in the transaction that counts it, under the erasure's row lock, so that several hub instances
/// send it once.
/// </summary>
internal sealed class ErasureReminders(
    NpgsqlDataSource dataSource,
    EventStore store,
    TimeProvider clock,
    IOptionsMonitor<PrivacyOptions> options,
    ILogger<ErasureReminders> logger
) : PrivacyJob(clock, logger)
{
    protected override TimeSpan Interval => options.CurrentValue.PollInterval;

    protected override async Task PassAsync(CancellationToken ct) => await RemindAsync(ct);

    /// <summary>Sends every reminder due now; the number sent.</summary>
    public async Task<int> RemindAsync(CancellationToken ct)
    {
        var before = options.CurrentValue.ReceiptReminders.OrderDescending().ToArray();
        var now = Clock.GetUtcNow();
        var due = new List<Guid>();
        await using (var command = ErasureStore.DueReminders(dataSource, now, before))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                due.Add(reader.GetGuid(0));
            }
        }

        var sent = 0;
        foreach (var id in due)
        {
            sent += await store.WriteAsync(writer => RemindAsync(writer, id, before, now, ct), ct) ? 1 : 0;
        }

        return sent;
    }

    private static async Task<bool> RemindAsync(
        EventWriter writer,
        Guid id,
        TimeSpan[] before,
        DateTimeOffset now,
        CancellationToken ct
    )
    {
        var rows = await writer.QueryAsync(
            """
            select workspace_id, customer_id, receipts_due_at, reminders_sent from erasures
            where id = $1 and completed_at is null for update
            """,
            r =>
                (
                    Workspace: r.GetGuid(0),
                    Customer: r.GetGuid(1),
                    DueAt: r.GetFieldValue<DateTimeOffset>(2),
                    Sent: r.GetInt32(3)
                ),
            ct,
            id
        );
        if (rows is not [var erasure])
        {
            return false;
        }

        // Every reminder whose time has come counts as sent by this one: a deadline nearer than the first offset
        // sends one reminder, not several.
        var overdue = now >= erasure.DueAt;
        var reached = overdue ? before.Length + 1 : before.Count(b => erasure.DueAt - b <= now);
        if (reached <= erasure.Sent)
        {
            return false;
        }

        var pending = await writer.QueryAsync(
            "select kind, party from erasure_parties where erasure_id = $1 and confirmed_at is null order by party",
            r => (Kind: r.GetString(0), Party: r.GetString(1)),
            ct,
            id
        );
        writer.Execute("update erasures set reminders_sent = $2 where id = $1", id, reached);
        writer.Append(
            erasure.Customer,
            typeof(StreamTypes.Customer),
            erasure.Workspace,
            null,
            [
                new ErasureReminder
                {
                    ErasureId = id,
                    ReceiptsDueAt = erasure.DueAt,
                    Overdue = overdue,
                    PendingSubscriptionIds =
                    [
                        .. pending
                            .Where(p => p.Kind == ErasurePartyKinds.Subscription)
                            .Select(p => Guid.Parse(p.Party)),
                    ],
                    PendingConsumers =
                    [
                        .. pending.Where(p => p.Kind == ErasurePartyKinds.Consumer).Select(p => p.Party),
                    ],
                    EventId = Guid.CreateVersion7(),
                    WorkspaceId = erasure.Workspace,
                    CustomerId = erasure.Customer,
                    RecordedAt = now,
                    Actor = EventActor.System,
                },
            ]
        );
        return true;
    }
}
