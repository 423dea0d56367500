using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Npgsql;
using SocialCare.Api.EventLog;
using SocialCare.Contracts;

namespace SocialCare.Api.Engagements;

/// <summary>
/// Group commit for ingestion. Callers wait on their own engagement; a few writers take whatever has queued up meanwhile
/// and ingest it in one transaction, so under load one commit, one lock statement and one state query serve many
/// engagements, and when idle an engagement goes alone at once. Items that would collide (the same author, thread or
/// platform message) wait for the next batch. If a batch fails, each of its items is tried alone, so one bad item
/// (a NUL character, a lost race with another instance) fails only its own caller, with its own error.
/// </summary>
public sealed partial class IngestionBatcher(EngagementIngestor ingestor, IOptions<IngestionOptions> options, ILogger<IngestionBatcher> logger)
    : BackgroundService
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>();
    private readonly IngestionOptions _options = options.Value;

    public Task<IngestResult> IngestAsync(Channels.Channel channel, InboundEngagement engagement, EventActor actor, CancellationToken cancellationToken)
    {
        var pending = new Pending(new IngestionItem(channel, engagement, actor), cancellationToken);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The hub is shutting down.");
        }

        return pending.Completion.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.WhenAll(Enumerable.Range(0, _options.Writers).Select(_ => WriteAsync(stoppingToken)));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var left))
            {
                left.Completion.TrySetCanceled(stoppingToken);
            }
        }
    }

    private async Task WriteAsync(CancellationToken stoppingToken)
    {
        var carried = new List<Pending>();
        while (carried.Count > 0 || await _queue.Reader.WaitToReadAsync(stoppingToken))
        {
            var batch = new List<Pending>();
            var keys = new HashSet<string>(StringComparer.Ordinal);
            var later = new List<Pending>();
            foreach (var pending in carried)
            {
                Take(pending, batch, keys, later);
            }

            while (batch.Count < _options.MaxBatch && _queue.Reader.TryRead(out var pending))
            {
                Take(pending, batch, keys, later);
            }

            carried = later;
            if (batch.Count > 0)
            {
                // Once taken, an ingestion completes even while the hub stops: its caller may already be waiting for it.
                carried.AddRange(await IngestAsync(batch));
            }
        }
    }

    private static void Take(Pending pending, List<Pending> batch, HashSet<string> keys, List<Pending> later)
    {
        if (pending.CancellationToken.IsCancellationRequested)
        {
            pending.Completion.TrySetCanceled(pending.CancellationToken);
            return;
        }

        var itemKeys = pending.Item.LockKeys().Append(pending.Item.DedupeKey).ToList();
        if (itemKeys.Any(keys.Contains))
        {
            later.Add(pending);
            return;
        }

        keys.UnionWith(itemKeys);
        batch.Add(pending);
    }

    /// <summary>Ingests a batch and answers its callers; returns the items left for a later batch.</summary>
    private async Task<List<Pending>> IngestAsync(List<Pending> batch)
    {
        IngestResult?[] results;
        try
        {
            results = await ingestor.IngestAsync(batch.ConvertAll(p => p.Item), CancellationToken.None);
        }
        catch (Exception e) when (batch.Count > 1 && e is NpgsqlException or ConcurrencyException)
        {
            LogBatchFailed(logger, batch.Count, e);
            var left = new List<Pending>();
            foreach (var pending in batch)
            {
                left.AddRange(await IngestAsync([pending]));
            }

            return left;
        }
        catch (Exception e)
        {
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(e);
            }

            return [];
        }

        var deferred = new List<Pending>();
        for (var i = 0; i < batch.Count; i++)
        {
            if (results[i] is { } result)
            {
                batch[i].Completion.TrySetResult(result);
            }
            else
            {
                deferred.Add(batch[i]);
            }
        }

        return deferred;
    }

    private sealed record Pending(IngestionItem Item, CancellationToken CancellationToken)
    {
        public TaskCompletionSource<IngestResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A batch of {Count} engagements failed; ingesting each alone")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception exception);
}
