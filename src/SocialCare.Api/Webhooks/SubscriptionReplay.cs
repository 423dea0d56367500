using Npgsql;
using SocialCare.Api.EventLog;
using SocialCare.Api.Infrastructure.Database;
using SocialCare.Api.Webhooks.Scheduling;
using SocialCare.Api.Webhooks.Sending;
using SocialCare.Contracts;

namespace SocialCare.Api.Webhooks;

/// <summary>
/// Re-sends events from the log to one subscription — a subscriber back from a week offline catches up, or one that
/// lost its data asks again. Matching is the fan-out's (types, filters on the conversation as it is now), each event
/// becomes (or again becomes) a pending delivery with a fresh schedule and its original webhook-id, so receivers that
/// dedupe on it stay correct. One call scans at most <see cref="PageSize"/> events and says where to continue.
/// </summary>
public sealed class SubscriptionReplay(NpgsqlDataSource dataSource, DeliverySignal signal, TimeProvider clock)
{
    public const int PageSize = 1000;

    public async Task<ReplayResponse> ReplayAsync(
        Subscription subscription,
        ReplayRequest request,
        CancellationToken ct
    )
    {
        await using var command = dataSource.CreateAmbientCommand(
            """
            select e.seq_id, e.type, e.data::text, c.channel_types, c.tags, c.priority,
                   -- What decides a brand-limited subscription's events without a brand (EventMatcher.WithinBrands).
                   case when $5 and e.data->>'brand' is null and e.type like 'customer.%'
                        then array(select distinct cb.brand from conversations cb where cb.workspace_id = $1 and
                            cb.customer_id = e.stream_id) end,
                   s.brands
            from mt_events e left join conversations c on c.id = e.stream_id
            left join subscriptions s on $5 and s.id = e.stream_id and s.workspace_id = $1
            where e.tenant_id = $1::text and e.seq_id >= coalesce($2, 0)
              and coalesce((e.data ->> 'recordedAt')::timestamptz, e.timestamp) >= coalesce($3, '-infinity')
            order by e.seq_id limit $4
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = subscription.WorkspaceId });
        command.Parameters.Add(new NpgsqlParameter<long?> { TypedValue = request.FromSequence });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { TypedValue = request.FromTime });
        command.Parameters.Add(new NpgsqlParameter { Value = PageSize });
        command.Parameters.Add(new NpgsqlParameter { Value = subscription.Brands is not null });
        var scanned = 0;
        long? last = null;
        var matching = new List<(Guid Id, string Type, long Seq, string Payload)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                scanned++;
                last = reader.GetInt64(0);
                var type = reader.GetString(1);
                if (!TryDeserialize(type, reader.GetString(2), out var e))
                {
                    continue; // An event the relay dead-lettered (docs/events.md) cannot be re-sent either.
                }

                e = e with { Sequence = last.Value };
                var facts = reader.IsDBNull(3)
                    ? EventFacts.Of(e, type)
                    : EventFacts.Of(e, type) with
                    {
                        ChannelTypes = reader.GetFieldValue<string[]>(3),
                        Tags = reader.GetFieldValue<string[]>(4),
                        Priority = reader.GetString(5),
                    };
                facts = facts with
                {
                    CustomerBrands = reader.IsDBNull(6) ? null : reader.GetFieldValue<string[]>(6),
                    AboutSubscriptionBrands = reader.IsDBNull(7) ? null : reader.GetFieldValue<string[]>(7),
                };
                if (
                    EventMatcher.Matches(
                        subscription.Id,
                        subscription.Brands,
                        subscription.EventTypes,
                        subscription.Filters,
                        facts
                    )
                )
                {
                    matching.Add((e.EventId, type, last.Value, CloudEvents.Envelope(e, type)));
                }
            }
        }

        if (matching.Count > 0)
        {
            await using var upsert = dataSource.CreateAmbientCommand(
                """
                with events as (select * from unnest($4::uuid[], $5::text[], $6::bigint[], $7::text[]) as e(id, type,
                    seq, payload)),
                     payloads as (insert into webhook_payloads (event_id, payload) select id, payload from events on
                         conflict (event_id) do nothing)
                insert into webhook_deliveries (id, subscription_id, workspace_id, event_id, event_type, sequence,
                    status, next_attempt_at)
                select gen_random_uuid(), $1, $2, e.id, e.type, e.seq, 'pending', $3
                from events e
                on conflict (subscription_id, event_id) do update set status = 'pending', attempts = 0, next_attempt_at
                    = excluded.next_attempt_at
                """
            );
            upsert.Parameters.Add(new NpgsqlParameter { Value = subscription.Id });
            upsert.Parameters.Add(new NpgsqlParameter { Value = subscription.WorkspaceId });
            upsert.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
            upsert.Parameters.Add(new NpgsqlParameter { Value = matching.Select(m => m.Id).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter { Value = matching.Select(m => m.Type).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter { Value = matching.Select(m => m.Seq).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter { Value = matching.Select(m => m.Payload).ToArray() });
            await upsert.ExecuteNonQueryAsync(ct);
            AmbientTransaction.AfterCommit(signal.Pulse);
        }

        return new ReplayResponse(matching.Count, last, scanned == PageSize ? last + 1 : null);
    }

    private static bool TryDeserialize(string type, string data, out HubEvent e)
    {
        try
        {
            e = EventTypeRegistry.Deserialize(type, data);
            return true;
        }
        catch (Exception error)
            when (error is System.Text.Json.JsonException or InvalidOperationException or NotSupportedException)
        {
            e = null!;
            return false;
        }
    }
}
