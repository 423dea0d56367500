using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;
using SocialCare.Contracts;

namespace SocialCare.Api.Channels.Replies;

/// <summary>What a send came to: the platform's message id, or the platform's error.</summary>
public sealed record SendOutcome(string? PlatformMessageId, PlatformError? Error);

/// <summary>
/// Calls to the platforms, each through a Polly pipeline per channel account: a timeout per attempt, retries on 429,
/// 5xx, timeouts and broken connections (honouring <c>Retry-After</c>, and X's <c>x-rate-limit-reset</c>), and a
/// circuit breaker, so an account whose platform is down fails its replies at once instead of queueing them up.
/// </summary>
public sealed class PlatformCalls : IDisposable
{
    public const string HttpClientName = "platforms";
    private const int ResponseLimit = 64 * 1024;
    private const int MaxIdLength = 256;
    private const int MaxErrorLength = 1000;
    private readonly ResiliencePipelineRegistry<Guid> _pipelines = new();
    private readonly IHttpClientFactory _httpClients;
    private readonly IOptions<ConnectorOptions> _options;
    private readonly TimeProvider _clock;
    private readonly Infrastructure.Telemetry.HubMetrics _metrics;

    /// <summary>Each channel account's circuit as this instance knows it: 0 closed, 1 open, 2 half-open (only
    /// accounts whose circuit has ever opened).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, int> _circuits = new();

    public PlatformCalls(
        IHttpClientFactory httpClients,
        IOptions<ConnectorOptions> options,
        TimeProvider clock,
        Infrastructure.Telemetry.HubMetrics metrics
    )
    {
        _httpClients = httpClients;
        _options = options;
        _clock = clock;
        _metrics = metrics;
        metrics.Meter.CreateObservableGauge(
            "socialcare.channel.circuit.state",
            () =>
                _circuits.Select(c => new System.Diagnostics.Metrics.Measurement<int>(
                    c.Value,
                    new KeyValuePair<string, object?>("channel_account_id", c.Key)
                )),
            description: "A channel account's circuit breaker in this instance: 0 closed, 1 open (sends fail at once), "
                + "2 half-open."
        );
    }

    public async Task<SendOutcome> SendAsync(
        IChannelConnector connector,
        ReplyRequested reply,
        Channel channel,
        CancellationToken ct
    )
    {
        using var activity = Infrastructure.Telemetry.HubTracing.Start(
            "platform send " + channel.Type,
            System.Diagnostics.ActivityKind.Client,
            null
        );
        activity
            ?.SetTag("socialcare.channel.type", channel.Type)
            .SetTag("socialcare.channel_account.id", channel.Id)
            .SetTag("socialcare.reply.id", reply.ReplyId);
        var outcome = await SendOnceAsync(connector, reply, channel, ct);
        var result = MetricOutcome(outcome.Error);
        _metrics.PlatformSends.Add(
            1,
            new("channel", channel.Type),
            new("channel_account_id", channel.Id),
            new("outcome", result)
        );
        if (outcome.Error is not null)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, result);
        }

        return outcome;
    }

    /// <summary>The hub's own failure codes, which the send metric's <c>outcome</c> keeps as they are.</summary>
    private static readonly HashSet<string> HubCodes =
    [
        "unexpected_response",
        "circuit_open",
        "timeout",
        "unreachable",
        "broken_response",
        "invalid_request",
    ];

    /// <summary>A send's <c>outcome</c> label: <c>sent</c>, one of the hub's own failure codes, or <c>rejected</c> for
    /// whatever the platform said (its codes and titles are its own, without bound: as labels they would grow the
    /// metric's series without limit).</summary>
    internal static string MetricOutcome(PlatformError? error) =>
        error is null ? "sent"
        : HubCodes.Contains(error.Code) ? error.Code
        : "rejected";

    private async Task<SendOutcome> SendOnceAsync(
        IChannelConnector connector,
        ReplyRequested reply,
        Channel channel,
        CancellationToken ct
    )
    {
        var client = _httpClients.CreateClient(HttpClientName);
        var pipeline = _pipelines.GetOrAddPipeline<PlatformResponse>(
            channel.Id,
            builder => Build(builder, _options.Value, channel.Id)
        );
        try
        {
            var response = await pipeline.ExecuteAsync(
                async token =>
                {
                    using var request = connector.CreateSend(reply, channel);
                    using var answer = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
                    // The body is read under the same per-attempt timeout as the headers: a platform (or whatever a
                    // base URL points at) that trickles its answer cannot hold a reply consumer past it.
                    return new PlatformResponse(answer.StatusCode, WaitAsked(answer), await ReadAsync(answer, token));
                },
                ct
            );
            if ((int)response.Status is < 200 or >= 300)
            {
                return new SendOutcome(null, Bounded(connector.ReadError((int)response.Status, response.Body)));
            }

            try
            {
                using var json = JsonDocument.Parse(response.Body);
                return connector.ReadMessageId(json.RootElement) is { Length: > 0 and <= MaxIdLength } id
                    ? new SendOutcome(id, null)
                    : new SendOutcome(
                        null,
                        new PlatformError(
                            "unexpected_response",
                            "The platform accepted the message but returned no usable message id."
                        )
                    );
            }
            catch (JsonException)
            {
                return new SendOutcome(
                    null,
                    new PlatformError("unexpected_response", "The platform answered with a body that is not JSON.")
                );
            }
        }
        catch (BrokenCircuitException)
        {
            return new SendOutcome(
                null,
                new PlatformError(
                    "circuit_open",
                    $"Calls to {channel.Type} for this channel account keep failing; they are paused for "
                        + $"{_options.Value.BreakDuration.TotalSeconds:0} s."
                )
            );
        }
        catch (TimeoutRejectedException)
        {
            return new SendOutcome(
                null,
                new PlatformError(
                    "timeout",
                    $"{channel.Type} did not answer within {_options.Value.AttemptTimeout.TotalSeconds:0} s."
                )
            );
        }
        catch (HttpRequestException e)
        {
            return new SendOutcome(
                null,
                Bounded(new PlatformError("unreachable", $"{channel.Type} could not be reached: {e.Message}"))
            );
        }
        catch (IOException e)
        {
            return new SendOutcome(
                null,
                Bounded(new PlatformError("broken_response", $"{channel.Type}'s answer broke off: {e.Message}"))
            );
        }
        catch (ArgumentException e)
        {
            // The request could not even be built (an id that is no platform id): no retry will change that.
            return new SendOutcome(null, Bounded(new PlatformError("invalid_request", e.Message)));
        }
    }

    public void Dispose() => _pipelines.Dispose();

    private void Build(ResiliencePipelineBuilder<PlatformResponse> builder, ConnectorOptions settings, Guid account)
    {
        var transient = new PredicateBuilder<PlatformResponse>()
            .Handle<HttpRequestException>()
            .Handle<TimeoutRejectedException>()
            .Handle<IOException>()
            .HandleResult(r => r.Status == HttpStatusCode.TooManyRequests || (int)r.Status >= 500);
        // Polly refuses a retry strategy of zero attempts: with Connectors:MaxRetries=0 there is none.
        if (settings.MaxRetries > 0)
        {
            builder.AddRetry(
                new RetryStrategyOptions<PlatformResponse>
                {
                    ShouldHandle = transient,
                    MaxRetryAttempts = settings.MaxRetries,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = settings.RetryBaseDelay,
                    MaxDelay = settings.MaxRetryAfter,
                    DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result?.RetryAfter),
                }
            );
        }

        builder
            .AddCircuitBreaker(
                new CircuitBreakerStrategyOptions<PlatformResponse>
                {
                    ShouldHandle = transient,
                    FailureRatio = 1.0,
                    MinimumThroughput = settings.BreakAfterFailures,
                    SamplingDuration = TimeSpan.FromMinutes(1),
                    BreakDuration = settings.BreakDuration,
                    OnOpened = _ => Circuit(account, 1),
                    OnHalfOpened = _ => Circuit(account, 2),
                    OnClosed = _ => Circuit(account, 0),
                }
            )
            .AddTimeout(settings.AttemptTimeout);
    }

    private ValueTask Circuit(Guid account, int state)
    {
        _circuits[account] = state;
        return ValueTask.CompletedTask;
    }

    /// <summary>What one attempt got back, read whole (up to the limit) within the attempt's timeout.</summary>
    private sealed record PlatformResponse(HttpStatusCode Status, TimeSpan? RetryAfter, string Body);

    /// <summary>
    /// A platform's error as events carry it to every department: bounded, and without what PostgreSQL cannot store.
    /// Whatever answered wrote it, so it is kept short.
    /// </summary>
    private static PlatformError Bounded(PlatformError error) =>
        new(Clip(error.Code, 100), Clip(error.Message, MaxErrorLength));

    private static string Clip(string text, int length)
    {
        var clean = Infrastructure.Database.StorableValues.Clean(text);
        return clean.Length <= length ? clean : clean[..length] + "…";
    }

    /// <summary>How long the platform asked us to wait: <c>Retry-After</c> (seconds or a date), or X's reset time (Unix
    /// seconds).</summary>
    private TimeSpan? WaitAsked(HttpResponseMessage response)
    {
        var now = _clock.GetUtcNow();
        var wait = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - now,
            _ => response.Headers.TryGetValues("x-rate-limit-reset", out var reset)
            && long.TryParse(reset.FirstOrDefault(), out var unix)
                ? DateTimeOffset.FromUnixTimeSeconds(unix) - now
                : (TimeSpan?)null,
        };
        return wait is { } w ? TimeSpan.FromTicks(Math.Clamp(w.Ticks, 0, _options.Value.MaxRetryAfter.Ticks)) : null;
    }

    private static async Task<string> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[ResponseLimit];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), ct)) > 0)
        {
            total += read;
        }

        return System.Text.Encoding.UTF8.GetString(buffer, 0, total);
    }
}
