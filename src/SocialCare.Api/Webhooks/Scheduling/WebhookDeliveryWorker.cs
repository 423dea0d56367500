using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly;
using Polly.Timeout;
using SocialCare.Api.Infrastructure.Database;
using SocialCare.Api.Privacy;
using SocialCare.Api.Webhooks.Recording;
using SocialCare.Api.Webhooks.Sending;

namespace SocialCare.Api.Webhooks.Scheduling;

/// <summary>
/// Sends deliveries. The fan-out hands over each new delivery it may hold (<see cref="DeliverySlots"/>), already
/// leased, and it goes out as soon as its endpoint has a free slot; everything else — retries, deliveries beyond what
/// an endpoint may have held, leases that ran out because an instance died — waits in the table until this worker
/// leases it with FOR UPDATE SKIP LOCKED (safe with several hub instances). Each attempt is signed and bounded by a
/// Polly timeout, and each outcome is logged. 2xx: delivered. 410: the endpoint asked to stop — the subscription is
/// disabled. 429/502/503/504: slow down, honouring Retry-After. Anything else, redirects included: retry on the
/// schedule (with jitter) until it is exhausted and the delivery is dead. A disabled or deleted subscription's pending
/// deliveries wait untouched (re-enabling resumes them). <see cref="DeliveryRecorder"/> records each outcome.
/// </summary>
internal sealed partial class WebhookDeliveryWorker(
    Infrastructure.Database.RelaxedCommits bookkeeping,
    IHttpClientFactory httpClients,
    IOptionsMonitor<WebhookOptions> options,
    DeliverySignal signal,
    DeliverySlots slots,
    DeliveryRecorder recorder,
    SubscriptionTargets targets,
    Infrastructure.Secrets.SecretCipher cipher,
    Pseudonyms pseudonyms,
    Infrastructure.Telemetry.HubMetrics metrics,
    InstanceLeases instance,
    TimeProvider clock,
    ILogger<WebhookDeliveryWorker> logger
) : BackgroundService
{
    public const string HttpClientName = "webhooks";
    private CancellationToken _stopping = new(canceled: true);
    private (TimeSpan Timeout, ResiliencePipeline Pipeline)? _timeout;

    /// <summary>Whether attempts can be started now (the worker runs and is not stopping).</summary>
    public bool Accepting => !_stopping.IsCancellationRequested;

    /// <summary>
    /// How long a leased delivery is left alone: longer than it may be held waiting for a slot (<see
    /// cref="DeliverySlots.HoldFor"/>) plus an attempt, so that only a delivery whose instance died, or that it let go,
    /// is leased again.
    /// </summary>
    public TimeSpan Lease => options.CurrentValue.AttemptTimeout + TimeSpan.FromMinutes(2);

    /// <summary>
    /// Sends a leased delivery whose slot has been taken; the slot is given back as soon as the endpoint has answered
    /// (the delivery stays leased until its outcome is recorded).
    /// </summary>
    public void Dispatch(DueDelivery delivery) => Start(delivery, () => AttemptAsync(delivery, _stopping));

    /// <summary>Runs <paramref name="work"/> for a delivery in the background; if it cannot be recorded, its lease runs
    /// out.</summary>
    private void Start(DueDelivery delivery, Func<Task> work) =>
        _ = Task.Run(
            async () =>
            {
                try
                {
                    await work();
                }
                catch (Exception e)
                {
                    LogAttemptFailed(logger, delivery.Id, e);
                }
            },
            CancellationToken.None
        );

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var free = slots.Free;
                var due = free == 0 ? [] : await LeaseAsync(free, stoppingToken);
                if (free > 0)
                {
                    slots.Leased(due.Select(d => d.SubscriptionId));
                }

                foreach (var delivery in due)
                {
                    slots.Take(delivery.SubscriptionId);
                    Dispatch(delivery);
                }

                if (due.Count < free || free == 0)
                {
                    // Nothing more is due, or no slot is free: a freed slot, a new delivery or the next poll wakes us.
                    await signal.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException e)
            {
                LogLeaseFailed(logger, e);
                await Task.Delay(1000, stoppingToken);
            }
        }
    }

    private async Task<List<DueDelivery>> LeaseAsync(int count, CancellationToken ct)
    {
        // Each endpoint's oldest due deliveries, at most as many as it has free slots in this instance (one index probe
        // per endpoint, so one endpoint's long backlog neither slows the lease nor crowds out the others), oldest first
        // overall; SKIP LOCKED passes over rows another instance is leasing at the same moment.
        var (busy, inFlight) = slots.Busy();
        // A lease lost in a crash only makes the delivery due again: no need to wait for the WAL flush.
        await using var command = bookkeeping.Source.CreateCommand(
            """
            with candidates as (
                select d.id, d.next_attempt_at
                from subscriptions s
                left join unnest($4::uuid[], $5::int[]) as busy(subscription_id, in_flight) on busy.subscription_id =
                    s.id
                cross join lateral (
                    select d.id, d.next_attempt_at from webhook_deliveries d
                    where d.subscription_id = s.id and d.status = 'pending' and d.next_attempt_at <= $1
                    order by d.next_attempt_at limit greatest($6 - coalesce(busy.in_flight, 0), 0)) as d
                where s.enabled and s.deleted_at is null
                order by d.next_attempt_at limit $2),
            due as (
                select d.id from webhook_deliveries d join candidates on candidates.id = d.id
                where d.status = 'pending' and d.next_attempt_at <= $1
                for update of d skip locked)
            update webhook_deliveries d set next_attempt_at = $1 + $3, leased_by = $7
            from due, subscriptions s, webhook_payloads p
            where d.id = due.id and s.id = d.subscription_id and p.event_id = d.event_id
            returning d.id, d.subscription_id, d.workspace_id, d.event_id, d.event_type, p.payload, d.attempts, s.url,
                s.secret, s.previous_secret,
                s.previous_secret_expires_at, d.next_attempt_at, s.pii
            """
        );
        command.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
        command.Parameters.Add(new NpgsqlParameter { Value = count });
        command.Parameters.Add(new NpgsqlParameter { Value = Lease });
        command.Parameters.Add(new NpgsqlParameter { Value = busy });
        command.Parameters.Add(new NpgsqlParameter { Value = inFlight });
        command.Parameters.Add(new NpgsqlParameter { Value = options.CurrentValue.MaxConcurrentPerEndpoint });
        command.Parameters.Add(new NpgsqlParameter { Value = instance.Id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var due = new List<DueDelivery>();
        while (await reader.ReadAsync(ct))
        {
            var context = SubscriptionStore.SecretContext(reader.GetGuid(1));
            due.Add(
                new DueDelivery(
                    reader.GetGuid(0),
                    reader.GetGuid(1),
                    reader.GetGuid(2),
                    reader.GetGuid(3),
                    reader.GetString(4),
                    reader.GetString(5),
                    reader.GetInt32(6),
                    reader.GetString(7),
                    cipher.Unprotect(reader.GetString(8), context),
                    reader.IsDBNull(9) ? null : cipher.Unprotect(reader.GetString(9), context),
                    reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
                    reader.GetFieldValue<DateTimeOffset>(11),
                    reader.GetString(12)
                )
            );
        }

        return due;
    }

    private async Task AttemptAsync(DueDelivery delivery, CancellationToken ct)
    {
        var settings = options.CurrentValue;
        var now = clock.GetUtcNow();
        var timestamp = now.ToUnixTimeSeconds();
        var secrets =
            delivery.PreviousSecret is { } previous && delivery.PreviousSecretExpiresAt > now
                ? new[] { delivery.Secret, previous }
                : [delivery.Secret];
        int? status = null;
        string? responseBody = null,
            error = null;
        TimeSpan? retryAfter = null;
        using var activity = Infrastructure.Telemetry.HubTracing.Start(
            "webhook attempt",
            ActivityKind.Client,
            delivery.Trace ?? CloudEvents.TraceOf(delivery.Payload)
        );
        activity
            ?.SetTag("socialcare.subscription.id", delivery.SubscriptionId)
            .SetTag("socialcare.delivery.id", delivery.Id)
            .SetTag("socialcare.event.id", delivery.EventId)
            .SetTag("socialcare.event.type", delivery.EventType)
            .SetTag("socialcare.workspace.id", delivery.WorkspaceId)
            .SetTag("socialcare.delivery.attempt", delivery.Attempts + 1);
        var watch = Stopwatch.StartNew();
        try
        {
            // The payload is stored once per event, in full; each subscription gets it as its pii mode says when it
            // is sent, so that a subscription made less revealing stops receiving personal data with its next attempt.
            var view = await pseudonyms.ViewAsync(delivery.WorkspaceId, delivery.Pii, ct);
            var body = Encoding.UTF8.GetBytes(
                view is null ? delivery.Payload : EventRedaction.Envelope(delivery.Payload, view)
            );
            await TimeoutPipeline(settings.AttemptTimeout)
                .ExecuteAsync(
                    async token =>
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
                        {
                            Content = new ByteArrayContent(body),
                        };
                        request.Content.Headers.ContentType = new("application/cloudevents+json") { CharSet = "utf-8" };
                        request.Headers.Add("webhook-id", delivery.EventId.ToString());
                        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
                        request.Headers.Add(
                            "webhook-signature",
                            WebhookSigner.SignatureHeader(secrets, delivery.EventId.ToString(), timestamp, body)
                        );
                        if (activity is { Id: { } span })
                        {
                            request.Headers.Add(Infrastructure.Telemetry.EventTrace.TraceParentName, span);
                        }
                        using var response = await httpClients
                            .CreateClient(HttpClientName)
                            .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
                        status = (int)response.StatusCode;
                        retryAfter =
                            response.Headers.RetryAfter?.Delta
                            ?? (response.Headers.RetryAfter?.Date - clock.GetUtcNow());
                        responseBody = await ReadCappedAsync(response, settings.ResponseBodyLimit, token);
                    },
                    ct
                );
        }
        catch (Exception e) when (!(e is OperationCanceledException && ct.IsCancellationRequested))
        {
            // Whatever the endpoint did — refused, hung, broke off mid-body, answered garbage — is an attempt to
            // record; only the hub stopping is not (the lease then runs out and the delivery is tried again).
            error = e switch
            {
                TimeoutRejectedException => $"No response within {settings.AttemptTimeout.TotalSeconds:0.#} s.",
                IOException when status is not null => $"The response broke off: {e.Message}",
                _ => e.Message,
            };
        }
        finally
        {
            await ReleaseAsync(delivery, attemptFailed: status is not (>= 200 and < 300), ct);
        }

        var outcome = Decide(status, delivery.Attempts + 1, retryAfter, settings.RetrySchedule, now);
        Measure(delivery, outcome, status, watch.Elapsed, activity);
        await recorder.RecordAsync(
            delivery,
            outcome,
            new AttemptResult(
                status,
                (int)watch.ElapsedMilliseconds,
                StorableValues.Clean(responseBody),
                StorableValues.Clean(error)
            ),
            now,
            ct
        );
    }

    /// <summary>Counts the attempt by subscription and outcome, and how long the endpoint and the whole delivery
    /// took.</summary>
    private void Measure(DueDelivery delivery, Outcome outcome, int? status, TimeSpan took, Activity? activity)
    {
        var result = outcome.Status == DeliveryStatuses.Pending ? "retrying" : outcome.Status;
        var subscription = new KeyValuePair<string, object?>("subscription_id", delivery.SubscriptionId);
        metrics.WebhookAttempts.Add(1, subscription, new("outcome", result));
        metrics.WebhookAttemptDuration.Record(took.TotalSeconds, subscription);
        if (
            outcome.Status == DeliveryStatuses.Delivered
            && Infrastructure.Telemetry.UuidV7.TimeOf(delivery.EventId) is { } recorded
        )
        {
            metrics.WebhookDeliveryLatency.Record(
                Math.Max(0, (clock.GetUtcNow() - recorded).TotalSeconds),
                subscription
            );
        }

        if (activity is not null)
        {
            activity.SetTag("socialcare.delivery.outcome", result);
            if (status is { } code)
            {
                activity.SetTag("http.response.status_code", code);
            }

            if (outcome.Status != DeliveryStatuses.Delivered)
            {
                activity.SetStatus(ActivityStatusCode.Error, status is null ? "unreachable" : $"HTTP {status}");
            }
        }
    }

    /// <summary>Gives the delivery's slot back, starts the held deliveries that take it, and hands back those let
    /// go.</summary>
    private async Task ReleaseAsync(DueDelivery delivery, bool attemptFailed, CancellationToken ct)
    {
        var (start, letGo) = slots.Release(delivery.SubscriptionId, attemptFailed);
        start.ForEach(DispatchHeld);
        await HandBackAsync(letGo, ct);
    }

    /// <summary>
    /// Sends a delivery that waited in memory for its slot, unless its subscription was disabled or deleted meanwhile:
    /// then it and the rest held for that subscription go back to the table, where they wait as a disabled
    /// subscription's deliveries do.
    /// </summary>
    private void DispatchHeld(DueDelivery delivery) =>
        Start(
            delivery,
            async () =>
            {
                bool live;
                try
                {
                    live = (await targets.ForWorkspaceAsync(delivery.WorkspaceId, _stopping)).Any(t =>
                        t.Id == delivery.SubscriptionId
                    );
                }
                catch (Exception) when (!_stopping.IsCancellationRequested)
                {
                    // The database is away: the delivery is not attempted, its slot is given back (else the endpoint
                    // would lose it for good), and its lease runs out for the poller to take it.
                    await ReleaseAsync(delivery, attemptFailed: true, _stopping);
                    throw;
                }

                if (live)
                {
                    await AttemptAsync(delivery, _stopping);
                    return;
                }

                await HandBackAsync([delivery], _stopping);
                await ReleaseAsync(delivery, attemptFailed: true, _stopping);
            }
        );

    /// <summary>Makes held deliveries due again, for the poller to lease as the endpoint's slots allow (and its
    /// subscription is live).</summary>
    private async Task HandBackAsync(List<DueDelivery> deliveries, CancellationToken ct)
    {
        if (deliveries.Count == 0)
        {
            return;
        }

        try
        {
            // Lost in a crash, or failing here, the leases simply run out: no need to wait for the WAL flush.
            await using var command = bookkeeping.Source.CreateCommand(
                "update webhook_deliveries set next_attempt_at = $2, leased_by = null where id = any($1) "
                    + "and status = 'pending' and attempts = 0"
            );
            command.Parameters.Add(new NpgsqlParameter { Value = deliveries.Select(d => d.Id).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
            await command.ExecuteNonQueryAsync(ct);
            signal.Pulse();
        }
        catch (NpgsqlException e)
        {
            LogHandBackFailed(logger, deliveries.Count, e);
        }
    }

    private ResiliencePipeline TimeoutPipeline(TimeSpan timeout)
    {
        var current = _timeout;
        if (current?.Timeout != timeout)
        {
            current = (timeout, new ResiliencePipelineBuilder().AddTimeout(timeout).Build());
            _timeout = current;
        }

        return current.Value.Pipeline;
    }

    /// <summary>The next state of a delivery after an attempt.</summary>
    internal sealed record Outcome(string Status, DateTimeOffset? NextAttemptAt, bool DisableSubscription);

    internal static Outcome Decide(
        int? status,
        int attemptsMade,
        TimeSpan? retryAfter,
        IReadOnlyList<TimeSpan> schedule,
        DateTimeOffset now
    )
    {
        if (status is >= 200 and < 300)
        {
            return new Outcome(DeliveryStatuses.Delivered, null, false);
        }

        if (status == (int)HttpStatusCode.Gone)
        {
            return new Outcome(DeliveryStatuses.Failed, null, true);
        }

        if (attemptsMade >= schedule.Count)
        {
            return new Outcome(DeliveryStatuses.Failed, null, false);
        }

        var wait = schedule[attemptsMade];
        wait += TimeSpan.FromMilliseconds(wait.TotalMilliseconds * 0.1 * Random.Shared.NextDouble());
        if (status is 429 or 502 or 503 or 504 && retryAfter is { } asked && asked > wait)
        {
            wait = asked;
        }

        return new Outcome(DeliveryStatuses.Pending, now + wait, false);
    }

    private static async Task<string> ReadCappedAsync(HttpResponseMessage response, int limit, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[limit];
        var read = 0;
        while (read < limit)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read, limit - read), ct);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Delivery {DeliveryId} could not be attempted or recorded; its lease will run out and it "
            + "will be tried again"
    )]
    private static partial void LogAttemptFailed(ILogger logger, Guid deliveryId, Exception exception);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Could not hand {Count} held deliveries back; their leases will run out and they will be leased again"
    )]
    private static partial void LogHandBackFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not lease due webhook deliveries; retrying")]
    private static partial void LogLeaseFailed(ILogger logger, Exception exception);
}
