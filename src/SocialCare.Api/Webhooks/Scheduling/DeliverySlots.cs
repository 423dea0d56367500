using Microsoft.Extensions.Options;
using SocialCare.Api.Webhooks.Recording;

namespace SocialCare.Api.Webhooks.Scheduling;

/// <summary>
/// The attempts this instance has in flight, and the deliveries it holds ready for them. At most
/// <see cref="WebhookOptions.MaxConcurrentDeliveries"/> attempts run at once, and at most
/// <see cref="WebhookOptions.MaxConcurrentPerEndpoint"/> to one subscription, so that an endpoint that hangs until the
/// timeout holds only its own slots and every other subscriber keeps being served.
/// <para>
/// The fan-out hands over each new delivery (already committed and leased) that it may hold: it starts at once when a
/// slot is free, or waits here, in order, for one of its endpoint's slots — events come off the bus in bursts, and a
/// burst is sent from memory rather than leased back from the table. A held delivery that could not start within
/// <see cref="HoldFor"/> is let go: its lease runs out and the poller takes it from the table, so it is never sent by
/// two instances. Past <see cref="MaxHeldPerEndpoint"/> an endpoint's deliveries wait in the table only, and when an
/// attempt to it fails, what it has held goes back to the table.
/// </para>
/// </summary>
internal sealed class DeliverySlots(IOptionsMonitor<WebhookOptions> options, DeliverySignal signal, TimeProvider clock)
{
    /// <summary>How many deliveries one endpoint may have held in memory, beyond those in flight.</summary>
    public const int MaxHeldPerEndpoint = 1000;

    /// <summary>How long a held delivery may wait for a slot; its lease lasts longer than this plus one
    /// attempt.</summary>
    public static readonly TimeSpan HoldFor = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, int> _busy = [];
    private readonly Dictionary<Guid, Queue<(DueDelivery Delivery, DateTimeOffset Until)>> _held = [];
    private HashSet<Guid> _leasedFrom = [];
    private int _total;

    /// <summary>Slots free in this instance.</summary>
    public int Free
    {
        get
        {
            lock (_gate)
            {
                return Math.Max(options.CurrentValue.MaxConcurrentDeliveries - _total, 0);
            }
        }
    }

    /// <summary>The subscriptions this instance is busy with, and how many deliveries each (in flight or
    /// held).</summary>
    public (Guid[] Subscriptions, int[] InFlight) Busy()
    {
        lock (_gate)
        {
            var subscriptions = _busy.Keys.Union(_held.Keys).ToArray();
            return (
                subscriptions,
                subscriptions
                    .Select(s => _busy.GetValueOrDefault(s) + (_held.TryGetValue(s, out var q) ? q.Count : 0))
                    .ToArray()
            );
        }
    }

    /// <summary>Whether the fan-out may hand over a new delivery for <paramref name="subscriptionId"/>.</summary>
    public bool CanHold(Guid subscriptionId)
    {
        lock (_gate)
        {
            return !_held.TryGetValue(subscriptionId, out var held) || held.Count < MaxHeldPerEndpoint;
        }
    }

    /// <summary>Takes over a new, leased delivery: true when a slot was free and it must start now; otherwise it waits
    /// here.</summary>
    public bool Hold(DueDelivery delivery)
    {
        lock (_gate)
        {
            if (!_held.ContainsKey(delivery.SubscriptionId) && TryTakeLocked(delivery.SubscriptionId))
            {
                return true;
            }

            if (!_held.TryGetValue(delivery.SubscriptionId, out var held))
            {
                _held[delivery.SubscriptionId] = held = new Queue<(DueDelivery, DateTimeOffset)>();
            }

            held.Enqueue((delivery, clock.GetUtcNow() + HoldFor));
            return false;
        }
    }

    /// <summary>Whether an attempt to <paramref name="subscriptionId"/> could start now.</summary>
    public bool HasRoomFor(Guid subscriptionId)
    {
        var settings = options.CurrentValue;
        lock (_gate)
        {
            return _total < settings.MaxConcurrentDeliveries
                && _busy.GetValueOrDefault(subscriptionId) < settings.MaxConcurrentPerEndpoint
                && !_held.ContainsKey(subscriptionId);
        }
    }

    /// <summary>
    /// Notes the subscriptions whose deliveries the poller's latest lease found due in the table: a slot of theirs that
    /// frees up wakes the poller at once, so that a backlog (retries, an endpoint back after an outage) is sent as fast
    /// as its slots allow rather than at the pace of the safety-net poll.
    /// </summary>
    public void Leased(IEnumerable<Guid> subscriptionIds)
    {
        var leased = subscriptionIds.ToHashSet();
        lock (_gate)
        {
            _leasedFrom = leased;
        }
    }

    /// <summary>
    /// Takes a slot for a delivery the poller leased. The lease was sized to the free slots, so this only overshoots by
    /// what the fan-out took in the meantime.
    /// </summary>
    public void Take(Guid subscriptionId)
    {
        lock (_gate)
        {
            _busy[subscriptionId] = _busy.GetValueOrDefault(subscriptionId) + 1;
            _total++;
        }
    }

    /// <summary>
    /// Gives a slot back. Returns the held deliveries that take the freed slots (for the caller to start) and, when the
    /// attempt failed, the endpoint's held deliveries let go (for the caller to hand back to the table, where the
    /// poller leases them as the endpoint's slots allow, instead of sending every one of them at a failing endpoint
    /// now). When a limit that was reached is lifted, or the endpoint's deliveries were last found waiting in the
    /// table, and nothing held takes the slot, the poller is woken to lease them.
    /// </summary>
    public (List<DueDelivery> Start, List<DueDelivery> LetGo) Release(Guid subscriptionId, bool attemptFailed)
    {
        var settings = options.CurrentValue;
        var start = new List<DueDelivery>();
        var letGo = new List<DueDelivery>();
        bool wasFull;
        bool backlogged;
        lock (_gate)
        {
            var busy = _busy.GetValueOrDefault(subscriptionId);
            wasFull = _total >= settings.MaxConcurrentDeliveries || busy >= settings.MaxConcurrentPerEndpoint;
            backlogged = _leasedFrom.Contains(subscriptionId);
            if (busy <= 1)
            {
                _busy.Remove(subscriptionId);
            }
            else
            {
                _busy[subscriptionId] = busy - 1;
            }

            _total--;
            if (attemptFailed && _held.Remove(subscriptionId, out var failing))
            {
                letGo.AddRange(failing.Select(h => h.Delivery));
            }

            // This endpoint's own held deliveries first, then any other endpoint's that the instance limit held back.
            if (_held.ContainsKey(subscriptionId))
            {
                StartHeldLocked(subscriptionId, start);
            }

            if (_held.Count > 0)
            {
                foreach (var endpoint in _held.Keys.ToList())
                {
                    StartHeldLocked(endpoint, start);
                }
            }
        }

        if ((wasFull || backlogged) && start.Count == 0)
        {
            signal.Pulse();
        }

        return (start, letGo);
    }

    private void StartHeldLocked(Guid subscriptionId, List<DueDelivery> start)
    {
        var held = _held[subscriptionId];
        var now = clock.GetUtcNow();
        while (held.Count > 0)
        {
            if (held.Peek().Until < now)
            {
                // Waited too long: let its lease run out, and the poller take it from the table.
                held.Dequeue();
                continue;
            }

            if (!TryTakeLocked(subscriptionId))
            {
                return;
            }

            start.Add(held.Dequeue().Delivery);
        }

        _held.Remove(subscriptionId);
    }

    private bool TryTakeLocked(Guid subscriptionId)
    {
        var settings = options.CurrentValue;
        var busy = _busy.GetValueOrDefault(subscriptionId);
        if (_total >= settings.MaxConcurrentDeliveries || busy >= settings.MaxConcurrentPerEndpoint)
        {
            return false;
        }

        _busy[subscriptionId] = busy + 1;
        _total++;
        return true;
    }
}
