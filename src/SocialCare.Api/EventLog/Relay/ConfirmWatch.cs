using SocialCare.Api.Infrastructure.Messaging;

namespace SocialCare.Api.EventLog.Relay;

/// <summary>
/// Decides when the relay gives up waiting for a batch's confirms and publishes again from its checkpoint. No confirm
/// for <see cref="RelayOptions.PublishTimeout"/> gives up only when the broker was away during the batch (the bus's
/// receive endpoints faulted and <see cref="BrokerRecovery"/>'s probe failed): MassTransit is then retrying each publish on a
/// schedule that grows to 30 s, and a new publish reconnects at once. A broker that is there but slow to confirm
/// (flow control, a backlog being written to disk) is waited for, up to <see cref="RelayOptions.StalledPublishTimeout"/>,
/// because publishing the window again would only add duplicates and load while it catches up.
/// </summary>
internal sealed partial class ConfirmWatch : IDisposable
{
    private readonly CancellationTokenSource _giveUp;
    private readonly ITimer _timer;
    private readonly RelayOptions _options;
    private readonly BrokerRecovery _broker;
    private readonly ILogger _logger;
    private readonly long _outages;
    private readonly bool _awayAtStart;
    private long _lastConfirm = Environment.TickCount64;

    public ConfirmWatch(RelayOptions options, BrokerRecovery broker, ILogger logger, CancellationToken stopping)
    {
        (_options, _broker, _logger) = (options, broker, logger);
        (_outages, _awayAtStart) = (broker.Outages, broker.Away);
        _giveUp = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var every = options.PublishTimeout / 4;
        _timer = TimeProvider.System.CreateTimer(_ => Check(), null, every, every);
    }

    /// <summary>Cancelled when the batch's publishes are given up (or the relay stops).</summary>
    public CancellationToken Token => _giveUp.Token;

    /// <summary>A confirm arrived: the broker is there, the silence starts again.</summary>
    public void Confirmed() => Volatile.Write(ref _lastConfirm, Environment.TickCount64);

    private void Check()
    {
        var silent = TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref _lastConfirm));
        var brokerWasAway = _awayAtStart || _broker.Away || _broker.Outages != _outages;
        if (silent < _options.StalledPublishTimeout && (silent < _options.PublishTimeout || !brokerWasAway))
        {
            return;
        }

        try
        {
            if (!_giveUp.IsCancellationRequested)
            {
                LogGivingUp(_logger, silent.TotalSeconds, brokerWasAway);
            }

            _giveUp.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The batch was confirmed meanwhile.
        }
    }

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "No confirm from the broker for {Seconds:0.0} s (it went away meanwhile: {WentAway}): publishing again "
            + "from the checkpoint"
    )]
    private static partial void LogGivingUp(ILogger logger, double seconds, bool wentAway);

    public void Dispose()
    {
        _timer.Dispose();
        _giveUp.Dispose();
    }
}
