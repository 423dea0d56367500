using System.Threading.Channels;

namespace SocialCare.Api.Infrastructure.Database;

/// <summary>How a <see cref="GroupCommit{TItem, TResult}"/> forms and writes its batches.</summary>
public sealed record GroupCommitOptions<TItem>
{
    /// <summary>The most items one write takes.</summary>
    public required int MaxBatch { get; init; }

    /// <summary>How long a writer waits for more items when fewer than <see cref="MaxBatch"/> are queued (none: it
    /// writes at once).</summary>
    public TimeSpan Linger { get; init; }

    /// <summary>Writes that run at the same time; each takes what queued up while the others ran.</summary>
    public int Writers { get; init; } = 1;

    /// <summary>
    /// Keys that must not meet in one batch: an item sharing one with an item already taken waits for the next batch
    /// (two decisions about one customer must see each other).
    /// </summary>
    public Func<TItem, IEnumerable<string>>? Keys { get; init; }

    /// <summary>
    /// Failures after which each item of a batch is written alone, so that one bad item (a NUL character, a race lost
    /// to another instance) fails only its own caller, with its own error. Any other failure fails every caller of the
    /// batch.
    /// </summary>
    public Func<Exception, bool>? RetryAlone { get; init; }
}

/// <summary>
/// Group commit: callers submit one item each and wait for its result; a writer takes whatever has queued up meanwhile
/// and writes it with set-based statements and one commit, so under load one transaction serves many callers, and when
/// idle an item goes alone at once. The write answers each item in order; an item it answers <c>null</c> for (with a
/// nullable <typeparamref name="TResult"/>) is written in a later batch. The owner runs <see cref="RunAsync"/>; once
/// stopping, what is queued is still written.
/// </summary>
public sealed partial class GroupCommit<TItem, TResult>(
    Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TResult>>> write,
    GroupCommitOptions<TItem> options,
    ILogger logger
)
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>();

    /// <summary>Queues <paramref name="item"/>; an item whose caller gives up before a writer takes it is not
    /// written.</summary>
    public Task<TResult> SubmitAsync(TItem item, CancellationToken cancellationToken = default)
    {
        var pending = new Pending(item, cancellationToken);
        return _queue.Writer.TryWrite(pending)
            ? pending.Done.Task
            : Task.FromException<TResult>(new OperationCanceledException("The hub is shutting down."));
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var writers = Enumerable.Range(0, options.Writers).Select(_ => WriteAsync(stoppingToken)).ToList();
        await Task.WhenAll(writers);
    }

    private async Task WriteAsync(CancellationToken stoppingToken)
    {
        var carried = new List<Pending>();
        var stopping = false;
        while (true)
        {
            if (carried.Count == 0 && !stopping)
            {
                try
                {
                    if (!await _queue.Reader.WaitToReadAsync(stoppingToken))
                    {
                        stopping = true;
                    }
                    else if (options.Linger > TimeSpan.Zero && _queue.Reader.Count < options.MaxBatch)
                    {
                        await Task.Delay(options.Linger, stoppingToken);
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    _queue.Writer.TryComplete();
                    stopping = true;
                }
            }

            var (batch, later) = Take(carried);
            if (batch.Count == 0)
            {
                if (stopping)
                {
                    return;
                }

                // Another writer took what had queued, or every item taken had been given up.
                carried = later;
                continue;
            }

            // Once taken, an item is written even while the hub stops: its caller may already be waiting for it.
            carried = later;
            carried.AddRange(await WriteBatchAsync(batch));
        }
    }

    /// <summary>The next batch: what was carried over first, then the queue, leaving out items whose keys
    /// meet.</summary>
    private (List<Pending> Batch, List<Pending> Later) Take(List<Pending> carried)
    {
        var batch = new List<Pending>();
        var later = new List<Pending>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        void Add(Pending pending)
        {
            if (pending.CancellationToken.IsCancellationRequested)
            {
                pending.Done.TrySetCanceled(pending.CancellationToken);
                return;
            }

            var itemKeys = options.Keys?.Invoke(pending.Item).ToList() ?? [];
            if (itemKeys.Any(keys.Contains))
            {
                later.Add(pending);
                return;
            }

            keys.UnionWith(itemKeys);
            batch.Add(pending);
        }

        carried.ForEach(Add);
        while (batch.Count < options.MaxBatch && _queue.Reader.TryRead(out var queued))
        {
            Add(queued);
        }

        return (batch, later);
    }

    /// <summary>Writes a batch and answers its callers; returns the items left for a later batch.</summary>
    private async Task<List<Pending>> WriteBatchAsync(List<Pending> batch)
    {
        IReadOnlyList<TResult> results;
        try
        {
            results = await write(batch.ConvertAll(p => p.Item), CancellationToken.None);
        }
        catch (Exception e) when (batch.Count > 1 && options.RetryAlone?.Invoke(e) == true)
        {
            LogBatchFailed(logger, batch.Count, e);
            var left = new List<Pending>();
            foreach (var pending in batch)
            {
                left.AddRange(await WriteBatchAsync([pending]));
            }

            return left;
        }
        catch (Exception e)
        {
            batch.ForEach(p => p.Done.TrySetException(e));
            return [];
        }

        var deferred = new List<Pending>();
        for (var i = 0; i < batch.Count; i++)
        {
            if (results[i] is { } result)
            {
                batch[i].Done.TrySetResult(result);
            }
            else
            {
                deferred.Add(batch[i]);
            }
        }

        return deferred;
    }

    private sealed record Pending(TItem Item, CancellationToken CancellationToken)
    {
        public TaskCompletionSource<TResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} failed; writing each alone")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception exception);
}
