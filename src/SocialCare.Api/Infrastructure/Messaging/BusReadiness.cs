using MassTransit;

namespace SocialCare.Api.Infrastructure.Messaging;

/// <summary>
/// Completes once the bus has started and its receive endpoints are ready, i.e. the hub's own queues (the webhook
/// fan-out, the reply dispatcher) exist and are bound. The relay waits for it: an event published before the fan-out
/// queue is bound reaches no queue of this hub, and its webhooks would never be sent. While the broker cannot be
/// reached at start-up, events simply wait in the log.
/// </summary>
public sealed class BusReadiness : IBusObserver
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Ready => _ready.Task;

    /// <summary>Not awaited here: the bus may wait for its observers before it finishes starting.</summary>
    public Task PostStart(IBus bus, Task<BusReady> busReady)
    {
        busReady.ContinueWith(
            started =>
            {
                if (started.IsCompletedSuccessfully)
                {
                    _ready.TrySetResult();
                }
            },
            TaskScheduler.Default
        );
        return Task.CompletedTask;
    }

    public void PostCreate(IBus bus) { }

    public void CreateFaulted(Exception exception) { }

    public Task PreStart(IBus bus) => Task.CompletedTask;

    public Task StartFaulted(IBus bus, Exception exception) => Task.CompletedTask;

    public Task PreStop(IBus bus) => Task.CompletedTask;

    public Task PostStop(IBus bus) => Task.CompletedTask;

    public Task StopFaulted(IBus bus, Exception exception) => Task.CompletedTask;
}
