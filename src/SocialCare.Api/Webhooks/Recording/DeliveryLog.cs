using Npgsql;
using SocialCare.Api.Infrastructure.Database;
using SocialCare.Api.Webhooks.Scheduling;
using SocialCare.Api.Webhooks.Sending;
using SocialCare.Contracts;

namespace SocialCare.Api.Webhooks.Recording;

public sealed record AttemptView(
    DateTimeOffset AttemptedAt,
    int? StatusCode,
    int LatencyMs,
    [Pii(PiiCategories.Content)] string? ResponseBody,
    string? Error
);

/// <summary>A delivery: <c>pending</c> (due at <c>nextAttemptAt</c>), <c>delivered</c>, or <c>failed</c> (given up),
/// with every attempt.</summary>
public sealed record DeliveryView(
    Guid Id,
    Guid EventId,
    string EventType,
    long Sequence,
    [KnownValues(typeof(DeliveryStatuses))] string Status,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DeliveredAt,
    IReadOnlyList<AttemptView> AttemptLog
);

public sealed class DeliveryLog(NpgsqlDataSource dataSource, DeliverySignal signal, TimeProvider clock)
{
    public const string TestEventType = WebhookTest.Type;

    /// <summary>Queues a <c>webhook.test</c> delivery to the subscription, signed and retried like any other.</summary>
    public async Task<Guid> QueueTestAsync(Subscription subscription, CancellationToken ct)
    {
        var eventId = Guid.CreateVersion7();
        var now = clock.GetUtcNow();
        var payload = CloudEvents.Envelope(
            eventId,
            TestEventType,
            subscription.WorkspaceId,
            subscription.Id.ToString(),
            now,
            0,
            System.Text.Json.JsonSerializer.SerializeToNode(
                new WebhookTest(subscription.Id, "A test delivery from SocialCare Hub."),
                EventLog.EventTypeRegistry.Json
            )
        );
        var deliveryId = Guid.CreateVersion7();
        await using var command = dataSource.CreateAmbientCommand(
            """
            with payload as (insert into webhook_payloads (event_id, payload) values ($4, $6))
            insert into webhook_deliveries (id, subscription_id, workspace_id, event_id, event_type, sequence, status,
                next_attempt_at)
            values ($1, $2, $3, $4, $5, 0, 'pending', $7)
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = deliveryId });
        command.Parameters.Add(new NpgsqlParameter { Value = subscription.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = subscription.WorkspaceId });
        command.Parameters.Add(new NpgsqlParameter { Value = eventId });
        command.Parameters.Add(new NpgsqlParameter { Value = TestEventType });
        command.Parameters.Add(new NpgsqlParameter { Value = payload });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        await command.ExecuteNonQueryAsync(ct);
        AmbientTransaction.AfterCommit(signal.Pulse);
        return deliveryId;
    }

    /// <summary>
    /// Sends a delivery again, now, with a fresh retry schedule; its attempt log is kept. The same
    /// <c>webhook-id</c> goes out, so a receiver that already processed it can recognise it.
    /// </summary>
    public async Task<bool> RedeliverAsync(Guid subscriptionId, Guid deliveryId, CancellationToken ct)
    {
        await using var command = dataSource.CreateAmbientCommand(
            "update webhook_deliveries set status = 'pending', attempts = 0, next_attempt_at = $3 where "
                + "subscription_id = $1 and id = $2"
        );
        command.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
        command.Parameters.Add(new NpgsqlParameter { Value = deliveryId });
        command.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
        var found = await command.ExecuteNonQueryAsync(ct) == 1;
        if (found)
        {
            AmbientTransaction.AfterCommit(signal.Pulse);
        }

        return found;
    }

    public async Task<IReadOnlyList<DeliveryView>> ListAsync(
        Guid subscriptionId,
        string? status,
        Guid? after,
        int limit,
        CancellationToken ct
    )
    {
        await using var command = dataSource.CreateCommand(
            """
            select d.id, d.event_id, d.event_type, d.sequence, d.status, d.attempts, d.next_attempt_at, d.created_at,
                d.delivered_at,
                   coalesce((select json_agg(json_build_array(a.attempted_at, a.status_code, a.latency_ms,
                       a.response_body, a.error) order by a.id)::text
                             from webhook_attempts a where a.delivery_id = d.id), '[]')
            from webhook_deliveries d
            where d.subscription_id = $1 and ($2::text is null or d.status = $2) and ($3::uuid is null or d.id < $3)
            order by d.id desc limit $4
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = status });
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var items = new List<DeliveryView>();
        while (await reader.ReadAsync(ct))
        {
            var attempts = System
                .Text.Json.JsonDocument.Parse(reader.GetString(9))
                .RootElement.EnumerateArray()
                .Select(a => new AttemptView(
                    a[0].GetDateTimeOffset(),
                    a[1].ValueKind == System.Text.Json.JsonValueKind.Null ? null : a[1].GetInt32(),
                    a[2].GetInt32(),
                    a[3].ValueKind == System.Text.Json.JsonValueKind.Null ? null : a[3].GetString(),
                    a[4].ValueKind == System.Text.Json.JsonValueKind.Null ? null : a[4].GetString()
                ))
                .ToList();
            items.Add(
                new DeliveryView(
                    reader.GetGuid(0),
                    reader.GetGuid(1),
                    reader.GetString(2),
                    reader.GetInt64(3),
                    reader.GetString(4),
                    reader.GetInt32(5),
                    reader.GetString(4) == DeliveryStatuses.Pending ? reader.GetFieldValue<DateTimeOffset>(6) : null,
                    reader.GetFieldValue<DateTimeOffset>(7),
                    reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                    attempts
                )
            );
        }

        return items;
    }
}
