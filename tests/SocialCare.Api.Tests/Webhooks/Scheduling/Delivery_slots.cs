using Microsoft.Extensions.Options;
using SocialCare.Api.Webhooks;
using SocialCare.Api.Webhooks.Recording;
using SocialCare.Api.Webhooks.Scheduling;

namespace SocialCare.Api.Tests.Webhooks.Scheduling;

/// <summary>What the fan-out hands over waits in memory for its endpoint's slots, in order, and never for too
/// long.</summary>
public sealed class Delivery_slots
{
    private static readonly Guid A = Guid.NewGuid(),
        B = Guid.NewGuid();

    [Test]
    public void Held_deliveries_start_in_order_as_their_endpoints_slots_free_up_while_another_endpoint_goes_at_once()
    {
        using var signal = new DeliverySignal();
        var slots = new DeliverySlots(new Settings(total: 10, perEndpoint: 2), signal, new Clock());
        var (a1, a2, a3, a4, b1) = (Due(A), Due(A), Due(A), Due(A), Due(B));

        Assert.Multiple(() =>
        {
            Assert.That(
                new[] { slots.Hold(a1), slots.Hold(a2), slots.Hold(a3), slots.Hold(a4), slots.Hold(b1) },
                Is.EqualTo(new[] { true, true, false, false, true }),
                "two of A's start, two wait; B has slots of its own"
            );
            Assert.That(slots.HasRoomFor(A), Is.False);
            Assert.That(slots.Release(A, attemptFailed: false).Start, Is.EqualTo(new[] { a3 }));
            Assert.That(slots.Release(A, attemptFailed: false).Start, Is.EqualTo(new[] { a4 }));
            Assert.That(slots.Release(A, attemptFailed: false).Start, Is.Empty);
            Assert.That(slots.HasRoomFor(A), Is.True, "one of A's two slots is free again and nothing of A's waits");
        });
    }

    [Test]
    public void A_delivery_held_past_its_time_is_let_go_for_the_poller_to_lease_once_its_lease_runs_out()
    {
        using var signal = new DeliverySignal();
        var clock = new Clock();
        var slots = new DeliverySlots(new Settings(total: 10, perEndpoint: 1), signal, clock);
        var (first, waited, fresh) = (Due(A), Due(A), Due(A));
        Assert.That(slots.Hold(first), Is.True);
        Assert.That(slots.Hold(waited), Is.False);
        clock.Now += DeliverySlots.HoldFor + TimeSpan.FromSeconds(1);
        Assert.That(slots.Hold(fresh), Is.False);

        Assert.That(
            slots.Release(A, attemptFailed: false).Start,
            Is.EqualTo(new[] { fresh }),
            "the one held too long is skipped, never sent from memory"
        );
    }

    [Test]
    public async Task A_freed_slot_of_an_endpoint_whose_deliveries_wait_in_the_table_wakes_the_poller_at_once()
    {
        using var signal = new DeliverySignal();
        var slots = new DeliverySlots(new Settings(total: 10, perEndpoint: 3), signal, new Clock());
        slots.Leased([A]);
        slots.Take(A); // the poller's latest lease found A's deliveries due in the table
        slots.Take(B); // B's came from the fan-out

        slots.Release(B, attemptFailed: false);
        Assert.That(
            await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None),
            Is.False,
            "nothing of B's was waiting in the table"
        );
        slots.Release(A, attemptFailed: true);
        Assert.That(
            await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None),
            Is.True,
            "A's backlog is leased again as soon as a slot frees, not at the next poll"
        );
    }

    [Test]
    public void A_slot_freed_under_the_instance_limit_goes_to_another_endpoints_held_delivery()
    {
        using var signal = new DeliverySignal();
        var slots = new DeliverySlots(new Settings(total: 2, perEndpoint: 2), signal, new Clock());
        var (a1, a2, b1) = (Due(A), Due(A), Due(B));
        Assert.That(new[] { slots.Hold(a1), slots.Hold(a2), slots.Hold(b1) }, Is.EqualTo(new[] { true, true, false }));
        var (busy, inFlight) = slots.Busy();
        Assert.That(
            busy.Zip(inFlight).ToDictionary(p => p.First, p => p.Second),
            Is.EquivalentTo(new Dictionary<Guid, int> { [A] = 2, [B] = 1 }),
            "the poller counts held deliveries as taken"
        );

        Assert.That(slots.Release(A, attemptFailed: false).Start, Is.EqualTo(new[] { b1 }));
        Assert.That(slots.Free, Is.Zero);
    }

    [Test]
    public void A_failed_attempt_hands_its_endpoints_held_deliveries_back_and_leaves_the_others_held()
    {
        using var signal = new DeliverySignal();
        var slots = new DeliverySlots(new Settings(total: 2, perEndpoint: 1), signal, new Clock());
        var (a1, a2, a3, b1, b2) = (Due(A), Due(A), Due(A), Due(B), Due(B));
        Assert.That(
            new[] { slots.Hold(a1), slots.Hold(a2), slots.Hold(a3), slots.Hold(b1), slots.Hold(b2) },
            Is.EqualTo(new[] { true, false, false, true, false })
        );

        var (start, letGo) = slots.Release(A, attemptFailed: true);
        Assert.Multiple(() =>
        {
            Assert.That(
                letGo,
                Is.EqualTo(new[] { a2, a3 }),
                "a failing endpoint's held deliveries go back to the table"
            );
            Assert.That(start, Is.Empty, "B's next waits for B's own slot");
            Assert.That(slots.Release(B, attemptFailed: false).Start, Is.EqualTo(new[] { b2 }));
        });
    }

    [Test]
    public void An_endpoint_holds_at_most_its_share_and_the_rest_waits_in_the_table()
    {
        using var signal = new DeliverySignal();
        var slots = new DeliverySlots(new Settings(total: 10, perEndpoint: 1), signal, new Clock());
        for (var i = 0; i <= DeliverySlots.MaxHeldPerEndpoint; i++)
        {
            slots.Hold(Due(A));
        }

        Assert.Multiple(() =>
        {
            Assert.That(slots.CanHold(A), Is.False);
            Assert.That(slots.CanHold(B), Is.True);
        });
    }

    private static DueDelivery Due(Guid subscription) =>
        new(
            Guid.NewGuid(),
            subscription,
            Guid.NewGuid(),
            Guid.NewGuid(),
            "engagement.received",
            "{}",
            0,
            "https://example.com/hook",
            "whsec_x",
            null,
            null,
            DateTimeOffset.UtcNow,
            "full"
        );

    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class Settings(int total, int perEndpoint) : IOptionsMonitor<WebhookOptions>
    {
        public WebhookOptions CurrentValue { get; } =
            new() { MaxConcurrentDeliveries = total, MaxConcurrentPerEndpoint = perEndpoint };

        public WebhookOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<WebhookOptions, string?> listener) => null;
    }
}
