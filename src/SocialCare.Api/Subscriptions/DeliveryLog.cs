using Npgsql;

namespace SocialCare.Api.Subscriptions;

public sealed record AttemptView(DateTimeOffset AttemptedAt, int? StatusCode, int LatencyMs, string? ResponseBody, string? Error);

/// <summary>A delivery: <c>pending</c> (due at <c>nextAttemptAt</c>), <c>delivered</c>, or <c>failed</c> (given up), with every attempt.</summary>
public sealed record DeliveryView(
    Guid Id, Guid EventId, string EventType, long Sequence, string Status, int Attempts, DateTimeOffset? NextAttemptAt,
    DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt, IReadOnlyList<AttemptView> AttemptLog);

public sealed class DeliveryLog(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<DeliveryView>> ListAsync(Guid subscriptionId, string? status, Guid? after, int limit, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            select d.id, d.event_id, d.event_type, d.sequence, d.status, d.attempts, d.next_attempt_at, d.created_at, d.delivered_at,
                   coalesce((select json_agg(json_build_array(a.attempted_at, a.status_code, a.latency_ms, a.response_body, a.error) order by a.id)::text
                             from webhook_attempts a where a.delivery_id = d.id), '[]')
            from webhook_deliveries d
            where d.subscription_id = $1 and ($2::text is null or d.status = $2) and ($3::uuid is null or d.id < $3)
            order by d.id desc limit $4
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = status });
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var items = new List<DeliveryView>();
        while (await reader.ReadAsync(ct))
        {
            var attempts = System.Text.Json.JsonDocument.Parse(reader.GetString(9)).RootElement.EnumerateArray().Select(a => new AttemptView(
                a[0].GetDateTimeOffset(), a[1].ValueKind == System.Text.Json.JsonValueKind.Null ? null : a[1].GetInt32(), a[2].GetInt32(),
                a[3].ValueKind == System.Text.Json.JsonValueKind.Null ? null : a[3].GetString(),
                a[4].ValueKind == System.Text.Json.JsonValueKind.Null ? null : a[4].GetString())).ToList();
            items.Add(new DeliveryView(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), reader.GetInt32(5),
                reader.GetString(4) == "pending" ? reader.GetFieldValue<DateTimeOffset>(6) : null, reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8), attempts));
        }

        return items;
    }
}
