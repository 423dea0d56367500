using System.Collections.Concurrent;

namespace SocialCare.Api.EventLog;

/// <summary>
/// Every instance LISTENs for the notification writers send as they commit events (<see
/// cref="EventStore.CommittedChannel"/>), which names the workspaces whose events they appended, and wakes whoever
/// waits here for one of those workspaces (Server-Sent Events tails): a tail on any instance sees its workspace's new
/// events within milliseconds, and other workspaces' commits do not wake it.
/// </summary>
public sealed partial class SequencedSignal(
    Infrastructure.Database.SessionConnections sessions,
    ILogger<SequencedSignal> logger
) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _waiting = new();
    private TaskCompletionSource _any = NewWaiter();

    /// <summary>
    /// Completes when events of <paramref name="workspaceId"/> commit after this call, or when notifications may have
    /// been missed. Ask before reading the feed and wait after: a commit in between then still wakes the reader.
    /// </summary>
    public Task Next(Guid workspaceId) => _waiting.GetOrAdd(workspaceId, _ => NewWaiter()).Task;

    /// <summary>Completes when events of any workspace commit after this call, or when notifications may have been
    /// missed: what a follower of the whole log (the workflow processor) waits for.</summary>
    public Task NextAny() => Volatile.Read(ref _any).Task;

    // A (re)connected listener may have missed notifications: waking every waiter makes them look again.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Infrastructure.Database.NotificationListener.RunAsync(
            sessions,
            EventStore.CommittedChannel,
            payload =>
            {
                Wake((IEnumerable<Guid>?)EventStore.WorkspacesOf(payload) ?? _waiting.Keys);
                WakeAny();
            },
            listening =>
            {
                if (listening)
                {
                    Wake(_waiting.Keys);
                    WakeAny();
                }
            },
            e => LogListenFailed(logger, e),
            stoppingToken
        );

    private void WakeAny() => Interlocked.Exchange(ref _any, NewWaiter()).TrySetResult();

    private static TaskCompletionSource NewWaiter() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Wake(IEnumerable<Guid> workspaces)
    {
        foreach (var workspace in workspaces)
        {
            if (_waiting.TryRemove(workspace, out var waiting))
            {
                waiting.TrySetResult();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the LISTEN connection for committed events; reconnecting")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
