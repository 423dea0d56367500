using System.Threading.Channels;

namespace SocialCare.Api.Infrastructure.Database;

/// <summary>
/// Group commit: callers submit one item each and wait for its result; one writer takes whatever has queued up
/// meanwhile (after lingering up to <c>linger</c> for more, when asked to) and writes it with one set-based statement
/// and one commit. When idle an item goes alone at once. If a write fails, every caller of that batch gets the error.
/// The owner runs <see cref="RunAsync"/>; once stopping, what is queued is still written.
/// </summary>
public sealed class GroupCommit<TItem, TResult>(Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TResult>>> write, int maxBatch, TimeSpan linger)
{
    private readonly Channel<(TItem Item, TaskCompletionSource<TResult> Done)> _queue = Channel.CreateUnbounded<(TItem, TaskCompletionSource<TResult>)>();

    public Task<TResult> SubmitAsync(TItem item)
    {
        var done = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        return _queue.Writer.TryWrite((item, done)) ? done.Task : Task.FromException<TResult>(new OperationCanceledException("The hub is shutting down."));
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                if (linger > TimeSpan.Zero && _queue.Reader.Count < maxBatch)
                {
                    await Task.Delay(linger, stoppingToken);
                }

                await WriteBatchAsync(CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _queue.Writer.TryComplete();
            while (_queue.Reader.Count > 0)
            {
                await WriteBatchAsync(CancellationToken.None);
            }
        }
    }

    private async Task WriteBatchAsync(CancellationToken ct)
    {
        var batch = new List<(TItem Item, TaskCompletionSource<TResult> Done)>();
        while (batch.Count < maxBatch && _queue.Reader.TryRead(out var queued))
        {
            batch.Add(queued);
        }

        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            var results = await write(batch.ConvertAll(b => b.Item), ct);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Done.TrySetResult(results[i]);
            }
        }
        catch (Exception e)
        {
            batch.ForEach(b => b.Done.TrySetException(e));
        }
    }
}
