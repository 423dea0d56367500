using MassTransit;
using Npgsql;
using SocialCare.Api.Infrastructure.EventStore;
using SocialCare.Contracts;

namespace SocialCare.Api.Subscriptions;

/// <summary>
/// Fans each published event out into durable delivery rows, one per matching subscription, as a CloudEvents 1.0
/// envelope. The bus delivers at least once; (subscription, event) is unique, so a redelivered message adds nothing.
/// </summary>
public sealed class WebhookFanOut<T>(NpgsqlDataSource dataSource, SubscriptionTargets targets, DeliverySignal signal, TimeProvider clock)
    : IConsumer<T> where T : HubEvent
{
    public async Task Consume(ConsumeContext<T> context)
    {
        var e = context.Message;
        var ct = context.CancellationToken;
        var type = EventTypeRegistry.NameOf(e);
        var candidates = (await targets.ForWorkspaceAsync(e.WorkspaceId, ct)).Where(s => EventMatcher.TypeMatches(s.EventTypes, type)).ToList();
        if (candidates.Count == 0)
        {
            return;
        }

        var facts = EventFacts.Of(e, type);
        if (e.ConversationId is { } conversationId && candidates.Any(s => s.FiltersOnConversation))
        {
            await using var command = dataSource.CreateCommand("select channel_types, tags, priority from conversations where workspace_id = $1 and id = $2");
            command.Parameters.Add(new NpgsqlParameter { Value = e.WorkspaceId });
            command.Parameters.Add(new NpgsqlParameter { Value = conversationId });
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                facts = facts with { ChannelTypes = reader.GetFieldValue<string[]>(0), Tags = reader.GetFieldValue<string[]>(1), Priority = reader.GetString(2) };
            }
        }

        var matching = candidates.Where(s => EventMatcher.Matches(s.Id, s.EventTypes, s.Filters, facts)).Select(s => s.Id).ToArray();
        if (matching.Length == 0)
        {
            return;
        }

        await using var insert = dataSource.CreateCommand("""
            with payload as (insert into webhook_payloads (event_id, payload) values ($3, $6) on conflict (event_id) do nothing)
            insert into webhook_deliveries (id, subscription_id, workspace_id, event_id, event_type, sequence, status, next_attempt_at)
            select gen_random_uuid(), s, $2, $3, $4, $5, 'pending', $7 from unnest($1::uuid[]) s
            on conflict (subscription_id, event_id) do nothing
            """);
        insert.Parameters.Add(new NpgsqlParameter { Value = matching });
        insert.Parameters.Add(new NpgsqlParameter { Value = e.WorkspaceId });
        insert.Parameters.Add(new NpgsqlParameter { Value = e.EventId });
        insert.Parameters.Add(new NpgsqlParameter { Value = type });
        insert.Parameters.Add(new NpgsqlParameter { Value = e.Sequence });
        insert.Parameters.Add(new NpgsqlParameter { Value = CloudEvents.Envelope(e, type) });
        insert.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
        await insert.ExecuteNonQueryAsync(ct);
        signal.Pulse();
    }
}

/// <summary>Wakes the delivery worker when new deliveries are due, so the first attempt does not wait for its poll.</summary>
public sealed class DeliverySignal : IDisposable
{
    private readonly SemaphoreSlim _pending = new(0, 1);

    public void Pulse()
    {
        try
        {
            _pending.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct) => await _pending.WaitAsync(timeout, ct);

    public void Dispose() => _pending.Dispose();
}
