using Npgsql;

namespace SocialCare.Api.Webhooks.Scheduling;

/// <summary>An event's new deliveries: one per matching subscription, each with its id and when it is due.</summary>
internal sealed record NewDeliveries(
    Guid EventId,
    Guid WorkspaceId,
    string EventType,
    long Sequence,
    string Payload,
    Guid[] SubscriptionIds,
    Guid[] Ids,
    DateTimeOffset[] Due
);

/// <summary>
/// Inserts the fan-out's delivery rows with group commit: the events being fanned out at the same moment share one
/// statement and one (durable) commit. A delivery that exists already — the bus redelivered its event — is left as it
/// is; each caller learns which of its own ids were inserted.
/// </summary>
internal sealed class DeliveryInserts(
    NpgsqlDataSource dataSource,
    InstanceLeases instance,
    ILogger<DeliveryInserts> logger
) : BackgroundService
{
    private readonly Infrastructure.Database.GroupCommit<NewDeliveries, HashSet<Guid>> _inserts = new(
        (batch, ct) => InsertAsync(dataSource, instance.Id, batch, ct),
        new() { MaxBatch = 200 },
        logger
    );

    public Task<HashSet<Guid>> InsertAsync(NewDeliveries deliveries) => _inserts.SubmitAsync(deliveries);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _inserts.RunAsync(stoppingToken);

    private static async Task<IReadOnlyList<HashSet<Guid>>> InsertAsync(
        NpgsqlDataSource dataSource,
        Guid instance,
        IReadOnlyList<NewDeliveries> batch,
        CancellationToken ct
    )
    {
        var rows = batch
            .SelectMany(b =>
                b.Ids.Select((id, i) => (Event: b, Id: id, SubscriptionId: b.SubscriptionIds[i], Due: b.Due[i]))
            )
            .ToList();
        await using var insert = dataSource.CreateCommand(
            """
            with payload as (
                insert into webhook_payloads (event_id, payload) select * from unnest($1::uuid[], $2::text[]) on
                    conflict (event_id) do nothing)
            insert into webhook_deliveries (id, subscription_id, workspace_id, event_id, event_type, sequence, status,
                next_attempt_at, leased_by)
            select d.id, d.subscription_id, d.workspace_id, d.event_id, d.event_type, d.sequence, 'pending', d.due, $10
            from unnest($3::uuid[], $4::uuid[], $5::uuid[], $6::uuid[], $7::text[], $8::bigint[], $9::timestamptz[])
                as d(id, subscription_id, workspace_id, event_id, event_type, sequence, due)
            on conflict (subscription_id, event_id) do nothing
            returning id
            """
        );
        insert.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.EventId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.Payload).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Id).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.SubscriptionId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Event.WorkspaceId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Event.EventId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Event.EventType).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Event.Sequence).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Due).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = instance });
        var inserted = new HashSet<Guid>();
        await using (var reader = await insert.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                inserted.Add(reader.GetGuid(0));
            }
        }

        return batch.Select(b => b.Ids.Where(inserted.Contains).ToHashSet()).ToList();
    }
}
