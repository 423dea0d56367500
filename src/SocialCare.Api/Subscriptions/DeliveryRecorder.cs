using Microsoft.Extensions.Options;
using Npgsql;
using SocialCare.Api.Infrastructure.EventStore;
using SocialCare.Contracts;

namespace SocialCare.Api.Subscriptions;

/// <summary>A delivery leased for an attempt.</summary>
internal sealed record DueDelivery(Guid Id, Guid SubscriptionId, Guid WorkspaceId, Guid EventId, string EventType, string Payload, int Attempts,
    string Url, string Secret, string? PreviousSecret, DateTimeOffset? PreviousSecretExpiresAt);

/// <summary>What one attempt got back: a status code (none when the endpoint could not be reached), its latency, the start of its body, or the error.</summary>
internal sealed record AttemptResult(int? StatusCode, int LatencyMs, string? ResponseBody, string? Error);

/// <summary>
/// Records an attempt and everything that follows from it, in one transaction: the attempt in the log, the delivery's
/// new state, whether the endpoint is failing (and since when), and the events other departments need to hear —
/// <c>webhook.delivery_exhausted</c> when the schedule ran out, <c>subscription.disabled</c> when the endpoint answered
/// 410 or kept failing for longer than <see cref="WebhookOptions.DisableAfter"/>.
/// </summary>
internal sealed class DeliveryRecorder(EventStore store, IOptionsMonitor<WebhookOptions> options)
{
    public Task RecordAsync(DueDelivery delivery, WebhookDeliveryWorker.Outcome outcome, AttemptResult attempt, DateTimeOffset now, CancellationToken ct) =>
        store.WriteAsync(async writer =>
        {
            writer.Execute("""
                insert into webhook_attempts (delivery_id, attempted_at, status_code, latency_ms, response_body, error) values ($1, $2, $3, $4, $5, $6)
                """, delivery.Id, now, new NpgsqlParameter<int?> { TypedValue = attempt.StatusCode }, attempt.LatencyMs,
                new NpgsqlParameter<string?> { TypedValue = attempt.ResponseBody }, new NpgsqlParameter<string?> { TypedValue = attempt.Error });
            writer.Execute("""
                update webhook_deliveries set status = $2, attempts = attempts + 1, next_attempt_at = coalesce($3, next_attempt_at),
                    last_status_code = $4, last_error = $5, delivered_at = case when $2 = 'delivered' then $6 else delivered_at end
                where id = $1
                """, delivery.Id, outcome.Status, new NpgsqlParameter<DateTimeOffset?> { TypedValue = outcome.NextAttemptAt },
                new NpgsqlParameter<int?> { TypedValue = attempt.StatusCode }, new NpgsqlParameter<string?> { TypedValue = attempt.Error }, now);
            if (outcome.Status == "delivered")
            {
                writer.Execute("update subscription_health set failing_since = null where subscription_id = $1 and failing_since is not null", delivery.SubscriptionId);
                return 0;
            }

            var subscription = (await writer.QueryAsync("""
                with health as (
                    insert into subscription_health (subscription_id, failing_since) values ($1, $2)
                    on conflict (subscription_id) do update set failing_since = coalesce(subscription_health.failing_since, excluded.failing_since)
                    returning failing_since)
                select health.failing_since, s.enabled, s.url from health, subscriptions s where s.id = $1
                """,
                r => (FailingSince: r.GetFieldValue<DateTimeOffset>(0), Enabled: r.GetBoolean(1), Url: r.GetString(2)),
                ct, delivery.SubscriptionId, now)).Single();
            var events = new List<HubEvent>();
            if (outcome.Status == "failed" && !outcome.DisableSubscription)
            {
                events.Add(Stamp(delivery, now, new WebhookDeliveryExhausted
                {
                    SubscriptionId = delivery.SubscriptionId, DeliveryId = delivery.Id, FailedEventId = delivery.EventId,
                    FailedEventType = delivery.EventType, Attempts = delivery.Attempts + 1, LastStatusCode = attempt.StatusCode, LastError = attempt.Error,
                }));
            }

            if (subscription.Enabled && DisableReason(outcome, subscription.FailingSince, now, options.CurrentValue.DisableAfter) is { } reason)
            {
                writer.Execute("update subscriptions set enabled = false, disabled_reason = $2, updated_at = now() where id = $1", delivery.SubscriptionId, reason);
                events.Add(Stamp(delivery, now, new SubscriptionDisabled { SubscriptionId = delivery.SubscriptionId, Url = subscription.Url, Reason = reason }));
            }

            if (events.Count > 0)
            {
                writer.Append(delivery.SubscriptionId, "subscription", delivery.WorkspaceId, null, events);
            }

            return 0;
        }, ct);

    /// <summary>Why the subscription must stop now, if it must: the endpoint said 410 Gone, or has failed every attempt for too long.</summary>
    internal static string? DisableReason(WebhookDeliveryWorker.Outcome outcome, DateTimeOffset failingSince, DateTimeOffset now, TimeSpan disableAfter) =>
        outcome.DisableSubscription ? "The endpoint answered 410 Gone."
        : now - failingSince >= disableAfter ? $"Every delivery has failed since {failingSince:yyyy-MM-dd HH:mm:ss} UTC."
        : null;

    private static HubEvent Stamp(DueDelivery delivery, DateTimeOffset now, HubEvent e) => e with
    {
        EventId = Guid.CreateVersion7(), WorkspaceId = delivery.WorkspaceId, RecordedAt = now, Actor = EventActor.System,
    };
}
