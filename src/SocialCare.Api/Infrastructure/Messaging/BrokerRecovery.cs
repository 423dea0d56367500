using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Options;

namespace SocialCare.Api.Infrastructure.Messaging;

/// <summary>
/// Brings the hub's consumers back as soon as the broker is. When RabbitMQ goes away, MassTransit reconnects each
/// receive endpoint on a schedule that grows to 30 s and does not start over after a success, so after an outage of a
/// minute the fan-out and the reply dispatcher could wait half a minute more before taking messages again. While an
/// endpoint is faulted, this probes the broker (an AMQP connection) every <see cref="ProbeInterval"/>; once it answers,
/// each faulted endpoint is stopped and started again, which reconnects it at once. The relay, which publishes, has its
/// own limit (<see cref="EventLog.Relay.RelayOptions.PublishTimeout"/>), which it applies only when this saw the broker
/// away (<see cref="Outages"/>, <see cref="Away"/>): a probe that failed, not merely an endpoint that faulted (a queue
/// declared with another type faults too, with the broker there).
/// </summary>
public sealed partial class BrokerRecovery(IOptions<RabbitMqOptions> options, ILogger<BrokerRecovery> logger)
    : BackgroundService,
        IReceiveEndpointObserver
{
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>An endpoint that faults again soon after a restart (for a reason other than the broker being away) is
    /// left to MassTransit's own schedule this long before it is restarted again.</summary>
    private static readonly TimeSpan RestartAtMostEvery = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<Uri, IReceiveEndpoint> _faulted = new();
    private readonly Dictionary<Uri, long> _restarted = [];
    private readonly SemaphoreSlim _signal = new(0);
    private long _outages;
    private volatile bool _away;

    /// <summary>How many times the broker was found away (a probe failed after it had answered) since start.</summary>
    public long Outages => Interlocked.Read(ref _outages);

    /// <summary>Whether the last probe failed and none has answered since.</summary>
    public bool Away => _away;

    public Task Ready(ReceiveEndpointReady ready)
    {
        // An endpoint connected: the broker answers.
        _away = false;
        _faulted.TryRemove(ready.InputAddress, out _);
        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    public Task Faulted(ReceiveEndpointFaulted faulted)
    {
        if (_faulted.TryAdd(faulted.InputAddress, faulted.ReceiveEndpoint))
        {
            _signal.Release();
        }

        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            if (_faulted.IsEmpty)
            {
                await _signal.WaitAsync(stoppingToken);
                continue;
            }

            await Task.Delay(ProbeInterval, stoppingToken);
            if (_faulted.IsEmpty)
            {
                continue;
            }

            if (!await BrokerAnswersAsync(stoppingToken))
            {
                if (!_away)
                {
                    _away = true;
                    Interlocked.Increment(ref _outages);
                }

                continue;
            }

            _away = false;
            var restarting = _faulted
                .ToArray()
                .Where(f =>
                    !_restarted.TryGetValue(f.Key, out var last)
                    || Environment.TickCount64 - last >= RestartAtMostEvery.TotalMilliseconds
                )
                .ToList();
            if (restarting.Count == 0)
            {
                // The broker is there and every faulted endpoint was restarted moments ago: it faults for another
                // reason. No probe until one may be restarted again.
                await Task.Delay(RestartAtMostEvery, stoppingToken);
                continue;
            }

            foreach (var (address, endpoint) in restarting)
            {
                _restarted[address] = Environment.TickCount64;
                LogRestarting(logger, address);
                _faulted.TryRemove(address, out _);
                try
                {
                    await endpoint.Stop(stoppingToken);
                    endpoint.Start(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // It faults again, or MassTransit's own retries bring it back.
                    LogRestartFailed(logger, address, e);
                }
            }
        }
    }

    private async Task<bool> BrokerAnswersAsync(CancellationToken ct)
    {
        try
        {
            await using var connection = await options
                .Value.ConnectionFactory("socialcare-probe")
                .CreateConnectionAsync(options.Value.Endpoints(), ct);
            return true;
        }
        catch (Exception e)
            when (e
                    is RabbitMQ.Client.Exceptions.BrokerUnreachableException
                        or IOException
                        or TimeoutException
                        or System.Net.Sockets.SocketException
                        or RabbitMQ.Client.Exceptions.OperationInterruptedException
            )
        {
            return false;
        }
    }

    public override void Dispose()
    {
        _signal.Dispose();
        base.Dispose();
    }

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "The broker answers again: restarting the receive endpoint {Address} at once"
    )]
    private static partial void LogRestarting(ILogger logger, Uri address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not restart the receive endpoint {Address}")]
    private static partial void LogRestartFailed(ILogger logger, Uri address, Exception exception);
}
