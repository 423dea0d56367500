using Microsoft.Extensions.Options;
using Npgsql;
using SocialCare.Api.EventLog;
using SocialCare.Api.Infrastructure.Database;
using SocialCare.Contracts;

namespace SocialCare.Api.Engagements;

/// <summary>
/// Group commit for ingestion (<see cref="GroupCommit{TItem, TResult}"/>): under load one commit, one lock statement
/// and one state query serve many engagements, and when idle an engagement goes alone at once. Items that would collide
/// (the same author, thread or platform message) wait for the next batch, as does one whose customer another item of
/// the batch turns out to touch. If a batch fails on PostgreSQL or a stream conflict, each of its items is tried alone,
/// so one bad item (a NUL character, a lost race with another instance) fails only its own caller, with its own error.
/// </summary>
public sealed class IngestionBatcher(
    EngagementIngestor ingestor,
    IOptions<IngestionOptions> options,
    Infrastructure.Telemetry.HubMetrics metrics,
    ILogger<IngestionBatcher> logger
) : BackgroundService
{
    private readonly GroupCommit<IngestionItem, IngestResult?> _ingestion = new(
        async (items, ct) => await ingestor.IngestAsync(items, ct),
        new()
        {
            MaxBatch = options.Value.MaxBatch,
            Writers = options.Value.Writers,
            Keys = item => item.LockKeys().Append(item.DedupeKey),
            RetryAlone = e => e is NpgsqlException or ConcurrencyException,
        },
        logger
    );

    /// <summary>Ingests one engagement with whatever else is queued; answers once it is committed.</summary>
    public Task<IngestResult> IngestAsync(
        Channels.Channel channel,
        InboundEngagement engagement,
        EventActor actor,
        CancellationToken cancellationToken
    ) => IngestAsync(new IngestionItem(channel, engagement, actor), cancellationToken);

    /// <inheritdoc cref="IngestAsync(Channels.Channel, InboundEngagement, EventActor, CancellationToken)"/>
    public async Task<IngestResult> IngestAsync(IngestionItem item, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        // Never null: an engagement the ingestor left for later (null) is written in a later batch before this
        // completes.
        var result = (await _ingestion.SubmitAsync(item, cancellationToken))!;
        var type = new KeyValuePair<string, object?>("channel", item.Channel.Type);
        metrics.Engagements.Add(1, type, new("outcome", result.Duplicate ? "duplicate" : "accepted"));
        metrics.AcceptDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, type);
        return result;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _ingestion.RunAsync(stoppingToken);
}
