using MassTransit;
using Npgsql;
using SocialCare.Api.EventLog;
using SocialCare.Api.Webhooks.Recording;
using SocialCare.Api.Webhooks.Sending;
using SocialCare.Contracts;

namespace SocialCare.Api.Webhooks.Scheduling;

/// <summary>
/// Fans each published event out into durable delivery rows, one per matching subscription, as a CloudEvents 1.0
/// envelope. The bus delivers at least once; (subscription, event) is unique, so a redelivered message adds nothing. A
/// delivery this instance may hold (<see cref="DeliverySlots"/>) is inserted already leased and handed over: sent at
/// once when its endpoint has a free slot, or as soon as one frees up, without the poller; the others are inserted due,
/// and the worker leases them as slots free up. Either way the row is committed before the message is acknowledged, and
/// before any attempt.
/// </summary>
internal sealed class WebhookFanOut<T>(
    NpgsqlDataSource dataSource,
    SubscriptionTargets targets,
    DeliveryInserts inserts,
    DeliverySlots slots,
    WebhookDeliveryWorker worker,
    DeliverySignal signal,
    Privacy.ErasedCustomers erasedCustomers,
    TimeProvider clock
) : IConsumer<T>
    where T : HubEvent
{
    public async Task Consume(ConsumeContext<T> context)
    {
        var e = context.Message;
        var ct = context.CancellationToken;
        var type = EventTypeRegistry.NameOf(e);
        var all = await targets.ForWorkspaceAsync(e.WorkspaceId, ct);
        // Every subscription that received an erased customer's data is told, whatever it subscribed to: it must
        // erase its copies and confirm.
        var told = e is CustomerErased erased ? all.Where(s => erased.SubscriptionIds.Contains(s.Id)).ToList() : [];
        var candidates = all.Where(s => EventMatcher.TypeMatches(s.EventTypes, type) && !told.Contains(s)).ToList();
        if (candidates.Count == 0 && told.Count == 0)
        {
            return;
        }

        var facts = EventFacts.Of(e, type);
        if (e.ConversationId is { } conversationId && candidates.Any(s => s.FiltersOnConversation))
        {
            await using var command = dataSource.CreateCommand(
                "select channel_types, tags, priority from conversations where workspace_id = $1 and id = $2"
            );
            command.Parameters.Add(new NpgsqlParameter { Value = e.WorkspaceId });
            command.Parameters.Add(new NpgsqlParameter { Value = conversationId });
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                facts = facts with
                {
                    ChannelTypes = reader.GetFieldValue<string[]>(0),
                    Tags = reader.GetFieldValue<string[]>(1),
                    Priority = reader.GetString(2),
                };
            }
        }

        if (facts.Brand is null && candidates.Any(s => s.Brands is not null))
        {
            facts = await BrandFacts.AddAsync(dataSource, facts, e.WorkspaceId, e.CustomerId, ct);
        }

        var matching = candidates
            .Where(s => EventMatcher.Matches(s.Id, s.Brands, s.EventTypes, s.Filters, facts))
            .Concat(told)
            .ToList();
        if (matching.Count == 0)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var leasedUntil = DueDelivery.Stamp(now + worker.Lease);
        var held = matching.Select(s => worker.Accepting && slots.CanHold(s.Id)).ToArray();
        var ids = matching.Select(_ => Guid.CreateVersion7()).ToArray();
        // The bus carries the event as the relay published it: if its customer was erased since, it goes out as the log
        // now holds it, every personal field null.
        var trace = EventLog.Relay.BusHeaders.TraceOf(context.Headers);
        var envelope = CloudEvents.Envelope(e, type, trace);
        var payload =
            e.CustomerId is { } customerId
            && Privacy.EventRedaction.HasPii(e.GetType())
            && await erasedCustomers.ContainsAsync(e.WorkspaceId, customerId, ct)
                ? Privacy.EventRedaction.Erase(envelope, null)
                : envelope;
        var inserted = await inserts.InsertAsync(
            new NewDeliveries(
                e.EventId,
                e.WorkspaceId,
                type,
                e.Sequence,
                payload,
                matching.Select(s => s.Id).ToArray(),
                ids,
                held.Select(h => h ? leasedUntil : now).ToArray()
            )
        );
        for (var i = 0; i < matching.Count; i++)
        {
            var s = matching[i];
            var delivery = new DueDelivery(
                ids[i],
                s.Id,
                e.WorkspaceId,
                e.EventId,
                type,
                payload,
                0,
                s.Url,
                s.Secret,
                s.PreviousSecret,
                s.PreviousSecretExpiresAt,
                leasedUntil,
                s.Pii
            )
            {
                // Sent from here, the attempt's span is a child of this consumer's; leased later, of the event's.
                Trace = Infrastructure.Telemetry.EventTrace.Current() ?? trace,
            };
            if (held[i] && inserted.Contains(ids[i]) && slots.Hold(delivery))
            {
                worker.Dispatch(delivery);
            }
        }

        // A delivery left in the table (its endpoint already has as many held as it may) is leased when one of the
        // endpoint's slots frees up; if that happened before this commit, nobody else will wake the worker for it.
        if (matching.Where((s, i) => !held[i]).Any(s => slots.HasRoomFor(s.Id)))
        {
            signal.Pulse();
        }
    }
}

/// <summary>Wakes the delivery worker when new deliveries are due, so the first attempt does not wait for its
/// poll.</summary>
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

    /// <summary>Waits for a pulse, at most <paramref name="timeout"/>: true when one came.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _pending.WaitAsync(timeout, ct);

    public void Dispose() => _pending.Dispose();
}
