using Microsoft.Extensions.Options;
using Npgsql;
using SocialCare.Api.EventLog;
using SocialCare.Api.Webhooks.Scheduling;
using SocialCare.Contracts;

namespace SocialCare.Api.Webhooks.Recording;

/// <summary>
/// A delivery leased for an attempt, until <see cref="LeasedUntil"/>: the row's <c>next_attempt_at</c> while the lease
/// holds. The attempt's outcome is recorded only if the row still carries it; a redelivery or a replay asked for
/// meanwhile has changed it, and then wins (the attempt is still logged).
/// </summary>
internal sealed record DueDelivery(
    Guid Id,
    Guid SubscriptionId,
    Guid WorkspaceId,
    Guid EventId,
    string EventType,
    string Payload,
    int Attempts,
    string Url,
    string Secret,
    string? PreviousSecret,
    DateTimeOffset? PreviousSecretExpiresAt,
    DateTimeOffset LeasedUntil,
    string Pii
)
{
    /// <summary>The span an attempt continues, when it is not the event's own (the envelope's <c>traceparent</c>): the
    /// fan-out consumer's.</summary>
    public Infrastructure.Telemetry.EventTrace? Trace { get; init; }

    /// <summary>A lease's end as PostgreSQL stores it (whole microseconds), so that the row and the delivery compare
    /// equal.</summary>
    public static DateTimeOffset Stamp(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % 10), TimeSpan.Zero);
}

/// <summary>What one attempt got back: a status code (none when the endpoint could not be reached), its latency, the
/// start of its body, or the error.</summary>
internal sealed record AttemptResult(int? StatusCode, int LatencyMs, string? ResponseBody, string? Error);

/// <summary>
/// Records an attempt and everything that follows from it, in one transaction: the attempt in the log, the delivery's
/// new state, whether the endpoint is failing (and since when), and the events other departments need to hear —
/// <c>webhook.delivery_exhausted</c> when the schedule ran out, <c>subscription.disabled</c> when the endpoint answered
/// 410 or kept failing for longer than <see cref="WebhookOptions.DisableAfter"/>. Successful attempts, the common case,
/// are group-committed: whatever succeeded meanwhile is recorded with set-based statements in one round trip.
/// </summary>
internal sealed partial class DeliveryRecorder(
    Infrastructure.Database.RelaxedCommits bookkeeping,
    EventStore store,
    IOptionsMonitor<WebhookOptions> options,
    ILogger<DeliveryRecorder> logger
) : BackgroundService
{
    // Recording a success only makes the delivery log current (the slot was given back when the endpoint answered), so
    // successes linger a little to be recorded many at a time. Should a batch of successes of many endpoints (maybe of
    // many workspaces) be refused, each is recorded alone, so that one endpoint's answer can never keep every other
    // delivery of its batch unrecorded (and sent again when its lease runs out).
    private readonly Infrastructure.Database.GroupCommit<Delivered, bool> _delivered = new(
        async (batch, ct) =>
        {
            await WriteDeliveredAsync(bookkeeping, batch, ct);
            return (IReadOnlyList<bool>)batch.Select(_ => true).ToArray();
        },
        new()
        {
            MaxBatch = 500,
            Linger = TimeSpan.FromMilliseconds(20),
            RetryAlone = e => e is PostgresException,
        },
        logger
    );

    public Task RecordAsync(
        DueDelivery delivery,
        WebhookDeliveryWorker.Outcome outcome,
        AttemptResult attempt,
        DateTimeOffset now,
        CancellationToken ct
    ) =>
        outcome.Status == DeliveryStatuses.Delivered
            ? RecordDeliveredAsync(new Delivered(delivery, attempt, now))
            : RecordFailureAsync(delivery, outcome, attempt, now, ct);

    // Stopping: what is queued is still recorded; a delivery whose record is lost is only sent again.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _delivered.RunAsync(stoppingToken);

    /// <summary>A success whose record PostgreSQL refuses is only sent again when its lease runs out: logged, not
    /// thrown.</summary>
    private async Task RecordDeliveredAsync(Delivered delivered)
    {
        try
        {
            await _delivered.SubmitAsync(delivered);
        }
        catch (PostgresException e)
        {
            LogRecordFailed(logger, 1, e);
        }
    }

    private static async Task WriteDeliveredAsync(
        Infrastructure.Database.RelaxedCommits bookkeeping,
        IReadOnlyList<Delivered> batch,
        CancellationToken ct
    )
    {
        // A success lost in a crash is only sent again (receivers dedupe on webhook-id): no need to wait for the WAL
        // flush.
        await using var command = bookkeeping.Source.CreateBatch();
        var ids = batch.Select(b => b.Delivery.Id).ToArray();
        var at = batch.Select(b => b.At).ToArray();
        var statuses = batch.Select(b => b.Attempt.StatusCode ?? 200).ToArray();
        command.BatchCommands.Add(
            new NpgsqlBatchCommand(
                """
                insert into webhook_attempts (delivery_id, attempted_at, status_code, latency_ms, response_body, error)
                select * from unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::int[], $5::text[], $6::text[])
                """
            )
            {
                Parameters =
                {
                    new NpgsqlParameter { Value = ids },
                    new NpgsqlParameter { Value = at },
                    new NpgsqlParameter { Value = statuses },
                    new NpgsqlParameter { Value = batch.Select(b => b.Attempt.LatencyMs).ToArray() },
                    new NpgsqlParameter<string?[]> { TypedValue = batch.Select(b => b.Attempt.ResponseBody).ToArray() },
                    new NpgsqlParameter<string?[]> { TypedValue = batch.Select(b => b.Attempt.Error).ToArray() },
                },
            }
        );
        command.BatchCommands.Add(
            new NpgsqlBatchCommand(
                """
                update webhook_deliveries d set status = 'delivered', attempts = d.attempts + 1, last_status_code =
                    u.status, last_error = null, delivered_at = u.at
                from unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::timestamptz[]) as u(id, status, at,
                    leased_until)
                where d.id = u.id and d.next_attempt_at = u.leased_until
                """
            )
            {
                Parameters =
                {
                    new NpgsqlParameter { Value = ids },
                    new NpgsqlParameter { Value = statuses },
                    new NpgsqlParameter { Value = at },
                    new NpgsqlParameter { Value = batch.Select(b => b.Delivery.LeasedUntil).ToArray() },
                },
            }
        );
        command.BatchCommands.Add(
            new NpgsqlBatchCommand(
                "update subscription_health set failing_since = null where subscription_id = any($1) and "
                    + "failing_since is not null"
            )
            {
                Parameters =
                {
                    new NpgsqlParameter { Value = batch.Select(b => b.Delivery.SubscriptionId).Distinct().ToArray() },
                },
            }
        );
        await command.ExecuteNonQueryAsync(ct);
    }

    private sealed record Delivered(DueDelivery Delivery, AttemptResult Attempt, DateTimeOffset At);

    private Task<int> RecordFailureAsync(
        DueDelivery delivery,
        WebhookDeliveryWorker.Outcome outcome,
        AttemptResult attempt,
        DateTimeOffset now,
        CancellationToken ct
    ) =>
        store.WriteAsync(
            async writer =>
            {
                writer.Execute(
                    """
                    insert into webhook_attempts (delivery_id, attempted_at, status_code, latency_ms, response_body,
                        error) values ($1, $2, $3, $4, $5, $6)
                    """,
                    delivery.Id,
                    now,
                    new NpgsqlParameter<int?> { TypedValue = attempt.StatusCode },
                    attempt.LatencyMs,
                    new NpgsqlParameter<string?> { TypedValue = attempt.ResponseBody },
                    new NpgsqlParameter<string?> { TypedValue = attempt.Error }
                );
                var current = await writer.QueryAsync(
                    """
                    update webhook_deliveries set status = $2, attempts = attempts + 1, next_attempt_at = coalesce($3,
                        next_attempt_at),
                        last_status_code = $4, last_error = $5, leased_by = null
                    where id = $1 and next_attempt_at = $6 returning 1
                    """,
                    _ => true,
                    ct,
                    delivery.Id,
                    outcome.Status,
                    new NpgsqlParameter<DateTimeOffset?> { TypedValue = outcome.NextAttemptAt },
                    new NpgsqlParameter<int?> { TypedValue = attempt.StatusCode },
                    new NpgsqlParameter<string?> { TypedValue = attempt.Error },
                    delivery.LeasedUntil
                );
                if (current.Count == 0)
                {
                    // Redelivered or replayed while this attempt ran: the new request stands; this attempt is only
                    // logged.
                    return 0;
                }

                var subscription = (
                    await writer.QueryAsync(
                        """
                        with failing as (select failing_since from subscription_health where subscription_id = $1 and
                            failing_since is not null),
                        -- Only the first failure after a success writes (and locks) the row: the failures of an
                        -- endpoint that is
                        -- down do not queue behind each other on it.
                        started as (
                            insert into subscription_health (subscription_id, failing_since) select $1, $2 where not
                                exists (select 1 from failing)
                            on conflict (subscription_id) do update set failing_since =
                                coalesce(subscription_health.failing_since, excluded.failing_since)
                            returning failing_since)
                        select coalesce((select failing_since from failing), (select failing_since from started)),
                            s.enabled, s.url
                        from subscriptions s where s.id = $1
                        """,
                        r =>
                            (
                                FailingSince: r.GetFieldValue<DateTimeOffset>(0),
                                Enabled: r.GetBoolean(1),
                                Url: r.GetString(2)
                            ),
                        ct,
                        delivery.SubscriptionId,
                        now
                    )
                ).Single();
                var events = new List<HubEvent>();
                if (outcome.Status == DeliveryStatuses.Failed && !outcome.DisableSubscription)
                {
                    events.Add(
                        Stamp(
                            delivery,
                            now,
                            new WebhookDeliveryExhausted
                            {
                                SubscriptionId = delivery.SubscriptionId,
                                DeliveryId = delivery.Id,
                                FailedEventId = delivery.EventId,
                                FailedEventType = delivery.EventType,
                                Attempts = delivery.Attempts + 1,
                                LastStatusCode = attempt.StatusCode,
                                LastError = attempt.Error,
                            }
                        )
                    );
                }

                // Several attempts may fail at once (a burst answered 410): only the one that actually disables the
                // subscription (the row lock makes the others see it disabled) says so.
                if (
                    subscription.Enabled
                    && DisableReason(outcome, subscription.FailingSince, now, options.CurrentValue.DisableAfter)
                        is { } reason
                    && (
                        await writer.QueryAsync(
                            "update subscriptions set enabled = false, disabled_reason = $2, updated_at = now() "
                                + "where id = $1 and enabled returning 1",
                            _ => true,
                            ct,
                            delivery.SubscriptionId,
                            reason
                        )
                    ).Count == 1
                )
                {
                    events.Add(
                        Stamp(
                            delivery,
                            now,
                            new SubscriptionDisabled
                            {
                                SubscriptionId = delivery.SubscriptionId,
                                Url = subscription.Url,
                                Reason = reason,
                            }
                        )
                    );
                }

                if (events.Count > 0)
                {
                    writer.Append(
                        delivery.SubscriptionId,
                        typeof(StreamTypes.Subscription),
                        delivery.WorkspaceId,
                        null,
                        events
                    );
                }

                return 0;
            },
            ct
        );

    /// <summary>Why the subscription must stop now, if it must: the endpoint said 410 Gone, or has failed every attempt
    /// for too long.</summary>
    internal static string? DisableReason(
        WebhookDeliveryWorker.Outcome outcome,
        DateTimeOffset failingSince,
        DateTimeOffset now,
        TimeSpan disableAfter
    ) =>
        outcome.DisableSubscription ? "The endpoint answered 410 Gone."
        : now - failingSince >= disableAfter
            ? $"Every delivery has failed since {failingSince:yyyy-MM-dd HH:mm:ss} UTC."
        : null;

    private static HubEvent Stamp(DueDelivery delivery, DateTimeOffset now, HubEvent e) =>
        e with
        {
            EventId = Guid.CreateVersion7(),
            WorkspaceId = delivery.WorkspaceId,
            RecordedAt = now,
            Actor = EventActor.System,
        };

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Could not record {Count} delivered webhooks; their leases will run out and they will be sent again"
    )]
    private static partial void LogRecordFailed(ILogger logger, int count, Exception exception);
}
