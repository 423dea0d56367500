using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Npgsql;

namespace SocialCare.Api.Infrastructure.Telemetry;

/// <summary>
/// The figures only the database knows, sampled every <see cref="TelemetryOptions.SampleInterval"/> by every instance
/// (they are the cluster's, so any instance's scrape shows them): relay lag, each subscription's backlog and endpoint
/// health, SLA timers due and late, dead letters. Gauges report the latest sample.
/// </summary>
public sealed partial class OperationalFigures : BackgroundService
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly RelayLag _relayLag;
    private readonly IOptionsMonitor<TelemetryOptions> _options;
    private readonly ILogger<OperationalFigures> _logger;
    private Sample _latest = Sample.Empty;

    public OperationalFigures(
        NpgsqlDataSource dataSource,
        RelayLag relayLag,
        HubMetrics metrics,
        IOptionsMonitor<TelemetryOptions> options,
        ILogger<OperationalFigures> logger
    )
    {
        _dataSource = dataSource;
        _relayLag = relayLag;
        _options = options;
        _logger = logger;
        var meter = metrics.Meter;
        meter.CreateObservableGauge(
            "socialcare.relay.lag.events",
            () => _latest.Relay.Events,
            "{event}",
            "Events committed but not yet confirmed by the broker."
        );
        meter.CreateObservableGauge(
            "socialcare.relay.lag.seconds",
            () => _latest.Relay.OldestWaiting.TotalSeconds,
            "s",
            "How long the oldest event not yet confirmed by the broker has waited."
        );
        meter.CreateObservableGauge(
            "socialcare.events.head",
            () => _latest.Relay.Head,
            "{event}",
            "The log's last sequence number: its rate is the append rate of the whole cluster."
        );
        meter.CreateObservableGauge(
            "socialcare.webhook.backlog",
            () => _latest.Backlogs.Select(b => new Measurement<long>(b.Pending, b.Tags)),
            "{delivery}",
            "Deliveries waiting to be sent or retried, by subscription."
        );
        meter.CreateObservableGauge(
            "socialcare.webhook.backlog.age",
            () => _latest.Backlogs.Select(b => new Measurement<double>(b.OldestSeconds, b.Tags)),
            "s",
            "How long a subscription's oldest waiting delivery has waited."
        );
        meter.CreateObservableGauge(
            "socialcare.webhook.subscription.disabled",
            () => _latest.Subscriptions.Select(s => new Measurement<int>(s.Disabled ? 1 : 0, s.Tags)),
            description: "1 when a subscription is disabled (by its owner, or by the hub after its endpoint failed "
                + "too long)."
        );
        meter.CreateObservableGauge(
            "socialcare.webhook.endpoint.failing",
            () => _latest.Subscriptions.Select(s => new Measurement<double>(s.FailingSeconds, s.Tags)),
            "s",
            "How long every attempt to a subscription's endpoint has failed (0: its last attempt succeeded)."
        );
        meter.CreateObservableGauge(
            "socialcare.sla.timers.due",
            () => _latest.TimersDue,
            "{timer}",
            "SLA timers (warnings, breaches) whose time has come and that are not yet handled."
        );
        meter.CreateObservableGauge(
            "socialcare.sla.timers.late",
            () => _latest.TimersLate,
            "{timer}",
            "SLA timers still not handled a minute (Telemetry:LateTimer) after their time."
        );
        meter.CreateObservableGauge(
            "socialcare.dead_letters",
            () =>
                _latest.DeadLetters.Select(d => new Measurement<long>(
                    d.Count,
                    new KeyValuePair<string, object?>("source", d.Source)
                )),
            "{message}",
            "Dead letters waiting for an operator, by where they come from: relay:rabbitmq, follower:<name>, "
                + "queue:<name>."
        );
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _latest = Settled(await SampleAsync(stoppingToken), _latest);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                LogSampleFailed(_logger, e);
            }

            await Task.Delay(_options.CurrentValue.SampleInterval, stoppingToken);
        }
    }

    private async Task<Sample> SampleAsync(CancellationToken ct)
    {
        var relay = await _relayLag.MeasureAsync(ct);
        await using var batch = _dataSource.CreateBatch();
        // Every live subscription, with none waiting if so: a gauge keeps a series' last value until it is reported
        // again, so a drained backlog must be reported as 0.
        batch.BatchCommands.Add(
            new NpgsqlBatchCommand(
                """
                with waiting as (
                    select subscription_id, workspace_id, count(*) as pending, min(created_at) as oldest
                    from webhook_deliveries where status = 'pending' group by subscription_id, workspace_id)
                select coalesce(w.subscription_id, s.id), coalesce(w.workspace_id, s.workspace_id),
                    coalesce(w.pending, 0), coalesce(extract(epoch from now() - w.oldest)::float8, 0)
                from waiting w full join (select id, workspace_id from subscriptions where deleted_at is null) s
                    on s.id = w.subscription_id
                """
            )
        );
        batch.BatchCommands.Add(
            new NpgsqlBatchCommand(
                "select s.id, s.workspace_id, not s.enabled, "
                    + "coalesce(extract(epoch from now() - h.failing_since)::float8, 0) from subscriptions s "
                    + "left join subscription_health h on h.subscription_id = s.id where s.deleted_at is null"
            )
        );
        batch.BatchCommands.Add(
            new NpgsqlBatchCommand(
                "select count(*), count(*) filter (where next_at <= now() - $1) from sla_clocks where next_at <= now()"
            )
            {
                Parameters = { new NpgsqlParameter { Value = _options.CurrentValue.LateTimer } },
            }
        );
        batch.BatchCommands.Add(
            new NpgsqlBatchCommand(
                "select source || ':' || coalesce(queue, follower, ''), count(*) from dead_letters "
                    + "where redriven_at is null group by 1"
            )
        );
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var backlogs = new List<Backlog>();
        while (await reader.ReadAsync(ct))
        {
            backlogs.Add(
                new Backlog(Tags(reader.GetGuid(0), reader.GetGuid(1)), reader.GetInt64(2), reader.GetDouble(3))
            );
        }

        await reader.NextResultAsync(ct);
        var subscriptions = new List<SubscriptionHealth>();
        while (await reader.ReadAsync(ct))
        {
            subscriptions.Add(
                new SubscriptionHealth(
                    Tags(reader.GetGuid(0), reader.GetGuid(1)),
                    reader.GetBoolean(2),
                    reader.GetDouble(3)
                )
            );
        }

        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var (due, late) = (reader.GetInt64(0), reader.GetInt64(1));
        await reader.NextResultAsync(ct);
        var deadLetters = new List<(string Source, long Count)>();
        while (await reader.ReadAsync(ct))
        {
            deadLetters.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return new Sample(relay, backlogs, subscriptions, due, late, deadLetters);
    }

    /// <summary>
    /// A gauge keeps reporting a series' last value until it is reported again: a series the previous sample had and
    /// this one lacks (a deleted subscription's drained backlog, dead letters redriven) is reported as 0 from then on.
    /// </summary>
    private static Sample Settled(Sample now, Sample before) =>
        now with
        {
            Backlogs = Vanished(
                now.Backlogs,
                before.Backlogs,
                b => b.Tags[0].Value,
                b => b with { Pending = 0, OldestSeconds = 0 }
            ),
            Subscriptions = Vanished(
                now.Subscriptions,
                before.Subscriptions,
                s => s.Tags[0].Value,
                s => s with { FailingSeconds = 0 }
            ),
            DeadLetters = Vanished(now.DeadLetters, before.DeadLetters, d => d.Source, d => d with { Count = 0 }),
        };

    private static IReadOnlyList<T> Vanished<T>(
        IReadOnlyList<T> now,
        IReadOnlyList<T> before,
        Func<T, object?> key,
        Func<T, T> zero
    )
    {
        var present = now.Select(key).ToHashSet();
        return [.. now, .. before.Where(b => !present.Contains(key(b))).Select(zero)];
    }

    private static KeyValuePair<string, object?>[] Tags(Guid subscription, Guid workspace) =>
        [new("subscription_id", subscription), new("workspace_id", workspace)];

    private sealed record Backlog(KeyValuePair<string, object?>[] Tags, long Pending, double OldestSeconds);

    private sealed record SubscriptionHealth(
        KeyValuePair<string, object?>[] Tags,
        bool Disabled,
        double FailingSeconds
    );

    private sealed record Sample(
        RelayLagFigures Relay,
        IReadOnlyList<Backlog> Backlogs,
        IReadOnlyList<SubscriptionHealth> Subscriptions,
        long TimersDue,
        long TimersLate,
        IReadOnlyList<(string Source, long Count)> DeadLetters
    )
    {
        public static readonly Sample Empty = new(new RelayLagFigures(0, 0, TimeSpan.Zero), [], [], 0, 0, []);
    }

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Could not sample the operational figures; keeping the last ones"
    )]
    private static partial void LogSampleFailed(ILogger logger, Exception exception);
}
