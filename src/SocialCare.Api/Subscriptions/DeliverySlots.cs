using Microsoft.Extensions.Options;

namespace SocialCare.Api.Subscriptions;

/// <summary>
/// The attempts this instance may have in flight: <see cref="WebhookOptions.MaxConcurrentDeliveries"/> in all, and at most
/// <see cref="WebhookOptions.MaxConcurrentPerEndpoint"/> to one subscription, so that an endpoint that hangs until the
/// timeout holds only its own slots and every other subscriber keeps being served. The fan-out takes a slot for a new
/// delivery when one is free and sends it at once; the poller leases what waits when slots free up.
/// </summary>
internal sealed class DeliverySlots(IOptionsMonitor<WebhookOptions> options, DeliverySignal signal)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, int> _busy = [];
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

    /// <summary>The subscriptions with attempts in flight, and how many each.</summary>
    public (Guid[] Subscriptions, int[] InFlight) Busy()
    {
        lock (_gate)
        {
            return (_busy.Keys.ToArray(), _busy.Values.ToArray());
        }
    }

    /// <summary>Takes a slot for an attempt to <paramref name="subscriptionId"/> if both limits allow it.</summary>
    public bool TryTake(Guid subscriptionId)
    {
        var settings = options.CurrentValue;
        lock (_gate)
        {
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

    /// <summary>Whether an attempt to <paramref name="subscriptionId"/> could start now.</summary>
    public bool HasRoomFor(Guid subscriptionId)
    {
        var settings = options.CurrentValue;
        lock (_gate)
        {
            return _total < settings.MaxConcurrentDeliveries && _busy.GetValueOrDefault(subscriptionId) < settings.MaxConcurrentPerEndpoint;
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
    /// Gives a slot back. When that lifts a limit that was reached, deliveries may be waiting for it in the database:
    /// the poller is woken to lease them.
    /// </summary>
    public void Release(Guid subscriptionId)
    {
        var settings = options.CurrentValue;
        bool wasFull;
        lock (_gate)
        {
            var busy = _busy.GetValueOrDefault(subscriptionId);
            wasFull = _total >= settings.MaxConcurrentDeliveries || busy >= settings.MaxConcurrentPerEndpoint;
            if (busy <= 1)
            {
                _busy.Remove(subscriptionId);
            }
            else
            {
                _busy[subscriptionId] = busy - 1;
            }

            _total--;
        }

        if (wasFull)
        {
            signal.Pulse();
        }
    }
}
