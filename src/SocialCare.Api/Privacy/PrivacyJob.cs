namespace SocialCare.Api.Privacy;

/// <summary>A durable privacy job (erasure reminders, retention): a pass every <see cref="Interval"/>; a pass that fails
/// is logged and the next one takes up what it left, since each does only what is still due.</summary>
public abstract partial class PrivacyJob(TimeProvider clock, ILogger logger) : BackgroundService
{
    protected TimeProvider Clock { get; } = clock;

    protected ILogger Logger { get; } = logger;

    protected abstract TimeSpan Interval { get; }

    protected abstract Task PassAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PassAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(Logger, GetType().Name, e);
            }

            await Task.Delay(Interval, Clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Job} failed; its next pass tries again.")]
    private static partial void LogFailed(ILogger logger, string job, Exception error);
}
