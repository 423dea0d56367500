using MassTransit;

namespace SocialCare.Api.Infrastructure.Messaging;

/// <summary>
/// Completes once the bus has started and its receive endpoints are ready, i.e. the hub's own queues (the webhook
/// fan-out, the reply dispatcher) exist and are bound. The relay waits for it: an event published before the fan-out
/// queue is bound reaches no queue of this hub, and its webhooks would never be sent. While the broker cannot be
/// reached at start-up, events simply wait in the log.
/// </summary>
public sealed partial class BusReadiness(
    Microsoft.Extensions.Options.IOptions<RabbitMqOptions> options,
    ILogger<BusReadiness> logger
) : IBusObserver, IDisposable
{
    private static readonly TimeSpan RetryTopologyAfter = TimeSpan.FromSeconds(2);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();

    public Task Ready => _ready.Task;

    /// <summary>Not awaited here: the bus may wait for its observers before it finishes starting. Once it has, the
    /// topic exchange is declared (<see cref="TopicExchange"/>), tried again until the broker takes it.</summary>
    public Task PostStart(IBus bus, Task<BusReady> busReady)
    {
        _ = Task.Run(async () =>
        {
            try
            {
                await busReady;
            }
            catch (Exception)
            {
                return;
            }

            while (!_stopping.IsCancellationRequested)
            {
                try
                {
                    await TopicExchange.DeclareAsync(options.Value, _stopping.Token);
                    _ready.TrySetResult();
                    return;
                }
                catch (Exception e) when (!_stopping.IsCancellationRequested)
                {
                    LogTopologyFailed(logger, e);
                    await Task.Delay(RetryTopologyAfter, _stopping.Token)
                        .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not declare the topic exchange; trying again.")]
    private static partial void LogTopologyFailed(ILogger logger, Exception error);

    public void PostCreate(IBus bus) { }

    public void CreateFaulted(Exception exception) { }

    public Task PreStart(IBus bus) => Task.CompletedTask;

    public Task StartFaulted(IBus bus, Exception exception) => Task.CompletedTask;

    public async Task PreStop(IBus bus) => await _stopping.CancelAsync();

    public void Dispose() => _stopping.Dispose();

    public Task PostStop(IBus bus) => Task.CompletedTask;

    public Task StopFaulted(IBus bus, Exception exception) => Task.CompletedTask;
}
