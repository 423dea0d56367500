using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly;
using Polly.Timeout;

namespace SocialCare.Api.Subscriptions;

/// <summary>
/// Sends due deliveries. Rows are leased with FOR UPDATE SKIP LOCKED (safe with several hub instances; a crashed
/// worker's lease simply runs out and the row is tried again), each attempt is signed and bounded by a Polly timeout,
/// and each outcome is logged. 2xx: delivered. 410: the endpoint asked to stop — the subscription is disabled.
/// 429/502/503/504: slow down, honouring Retry-After. Anything else, redirects included: retry on the schedule
/// (with jitter) until it is exhausted and the delivery is dead. A disabled or deleted subscription's pending
/// deliveries wait untouched (re-enabling resumes them).
/// </summary>
internal sealed partial class WebhookDeliveryWorker(
    NpgsqlDataSource dataSource, IHttpClientFactory httpClients, IOptionsMonitor<WebhookOptions> options, DeliverySignal signal,
    TimeProvider clock, ILogger<WebhookDeliveryWorker> logger) : BackgroundService
{
    public const string HttpClientName = "webhooks";
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var slots = new SemaphoreSlim(options.CurrentValue.MaxConcurrentDeliveries);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await slots.WaitAsync(stoppingToken);
                var free = slots.CurrentCount + 1;
                var due = await LeaseAsync(free, stoppingToken);
                if (due.Count == 0)
                {
                    slots.Release();
                    await signal.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
                    continue;
                }

                for (var i = 1; i < due.Count; i++)
                {
                    await slots.WaitAsync(stoppingToken);
                }

                foreach (var delivery in due)
                {
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            await AttemptAsync(delivery, stoppingToken);
                        }
                        catch (Exception e) when (e is NpgsqlException or OperationCanceledException)
                        {
                            LogAttemptFailed(logger, delivery.Id, e);
                        }
                        finally
                        {
                            slots.Release();
                        }
                    }, CancellationToken.None);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException e)
            {
                LogLeaseFailed(logger, e);
                slots.Release();
                await Task.Delay(1000, stoppingToken);
            }
        }
    }

    private sealed record Due(Guid Id, Guid SubscriptionId, string EventId, string Payload, int Attempts, string Url,
        string Secret, string? PreviousSecret, DateTimeOffset? PreviousSecretExpiresAt);

    private async Task<List<Due>> LeaseAsync(int count, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            with due as (
                select d.id from webhook_deliveries d join subscriptions s on s.id = d.subscription_id
                where d.status = 'pending' and d.next_attempt_at <= $1 and s.enabled and s.deleted_at is null
                order by d.next_attempt_at limit $2 for update of d skip locked)
            update webhook_deliveries d set next_attempt_at = $1 + $3
            from due, subscriptions s
            where d.id = due.id and s.id = d.subscription_id
            returning d.id, d.subscription_id, d.event_id::text, d.payload, d.attempts, s.url, s.secret, s.previous_secret, s.previous_secret_expires_at
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
        command.Parameters.Add(new NpgsqlParameter { Value = count });
        command.Parameters.Add(new NpgsqlParameter { Value = Lease });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var due = new List<Due>();
        while (await reader.ReadAsync(ct))
        {
            due.Add(new Due(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), reader.GetString(5),
                reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8)));
        }

        return due;
    }

    private async Task AttemptAsync(Due delivery, CancellationToken ct)
    {
        var settings = options.CurrentValue;
        var now = clock.GetUtcNow();
        var body = Encoding.UTF8.GetBytes(delivery.Payload);
        var timestamp = now.ToUnixTimeSeconds();
        var secrets = delivery.PreviousSecret is { } previous && delivery.PreviousSecretExpiresAt > now ? new[] { delivery.Secret, previous } : [delivery.Secret];
        int? status = null;
        string? responseBody = null, error = null;
        TimeSpan? retryAfter = null;
        var watch = Stopwatch.StartNew();
        try
        {
            var timeout = new ResiliencePipelineBuilder().AddTimeout(settings.AttemptTimeout).Build();
            await timeout.ExecuteAsync(async token =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new("application/cloudevents+json") { CharSet = "utf-8" };
                request.Headers.Add("webhook-id", delivery.EventId);
                request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
                request.Headers.Add("webhook-signature", WebhookSigner.SignatureHeader(secrets, delivery.EventId, timestamp, body));
                using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
                status = (int)response.StatusCode;
                retryAfter = response.Headers.RetryAfter?.Delta ?? (response.Headers.RetryAfter?.Date - clock.GetUtcNow());
                responseBody = await ReadCappedAsync(response, settings.ResponseBodyLimit, token);
            }, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            error = e is TimeoutRejectedException ? $"No response within {settings.AttemptTimeout.TotalSeconds:0.#} s." : e.Message;
        }

        var outcome = Decide(status, delivery.Attempts + 1, retryAfter, settings.RetrySchedule, now);
        await RecordAsync(delivery, outcome, status, (int)watch.ElapsedMilliseconds, responseBody, error, now, ct);
    }

    /// <summary>The next state of a delivery after an attempt.</summary>
    internal sealed record Outcome(string Status, DateTimeOffset? NextAttemptAt, bool DisableSubscription);

    internal static Outcome Decide(int? status, int attemptsMade, TimeSpan? retryAfter, IReadOnlyList<TimeSpan> schedule, DateTimeOffset now)
    {
        if (status is >= 200 and < 300)
        {
            return new Outcome("delivered", null, false);
        }

        if (status == (int)HttpStatusCode.Gone)
        {
            return new Outcome("failed", null, true);
        }

        if (attemptsMade >= schedule.Count)
        {
            return new Outcome("failed", null, false);
        }

        var wait = schedule[attemptsMade];
        wait += TimeSpan.FromMilliseconds(wait.TotalMilliseconds * 0.1 * Random.Shared.NextDouble());
        if (status is 429 or 502 or 503 or 504 && retryAfter is { } asked && asked > wait)
        {
            wait = asked;
        }

        return new Outcome("pending", now + wait, false);
    }

    private async Task RecordAsync(Due delivery, Outcome outcome, int? status, int latencyMs, string? responseBody, string? error, DateTimeOffset now, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            insert into webhook_attempts (delivery_id, attempted_at, status_code, latency_ms, response_body, error) values ($1, $2, $3, $4, $5, $6)
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { Value = delivery.Id }, new NpgsqlParameter { Value = now }, new NpgsqlParameter<int?> { TypedValue = status },
                new NpgsqlParameter { Value = latencyMs }, new NpgsqlParameter<string?> { TypedValue = responseBody }, new NpgsqlParameter<string?> { TypedValue = error },
            },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            update webhook_deliveries set status = $2, attempts = attempts + 1, next_attempt_at = coalesce($3, next_attempt_at),
                last_status_code = $4, last_error = $5, delivered_at = case when $2 = 'delivered' then $6 else delivered_at end
            where id = $1
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { Value = delivery.Id }, new NpgsqlParameter { Value = outcome.Status },
                new NpgsqlParameter<DateTimeOffset?> { TypedValue = outcome.NextAttemptAt }, new NpgsqlParameter<int?> { TypedValue = status },
                new NpgsqlParameter<string?> { TypedValue = error }, new NpgsqlParameter { Value = now },
            },
        });
        if (outcome.DisableSubscription)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "update subscriptions set enabled = false, disabled_reason = $2, updated_at = now() where id = $1")
            {
                Parameters = { new NpgsqlParameter { Value = delivery.SubscriptionId }, new NpgsqlParameter { Value = "The endpoint answered 410 Gone." } },
            });
        }

        await batch.ExecuteNonQueryAsync(ct);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery {DeliveryId} could not be recorded; its lease will run out and it will be tried again")]
    private static partial void LogAttemptFailed(ILogger logger, Guid deliveryId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not lease due webhook deliveries; retrying")]
    private static partial void LogLeaseFailed(ILogger logger, Exception exception);
}
