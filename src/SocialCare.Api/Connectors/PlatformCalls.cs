using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;
using SocialCare.Api.Channels;
using SocialCare.Contracts;

namespace SocialCare.Api.Connectors;

/// <summary>What a send came to: the platform's message id, or the platform's error.</summary>
public sealed record SendOutcome(string? PlatformMessageId, PlatformError? Error);

/// <summary>
/// Calls to the platforms, each through a Polly pipeline per channel account: a timeout per attempt, retries on
/// 429, 5xx, timeouts and broken connections (honouring <c>Retry-After</c>, and X's <c>x-rate-limit-reset</c>), and a
/// circuit breaker, so an account whose platform is down fails its replies at once instead of queueing them up.
/// </summary>
public sealed class PlatformCalls(IHttpClientFactory httpClients, IOptions<ConnectorOptions> options, TimeProvider clock) : IDisposable
{
    public const string HttpClientName = "platforms";
    private const int ResponseLimit = 64 * 1024;
    private readonly ResiliencePipelineRegistry<Guid> _pipelines = new();

    public async Task<SendOutcome> SendAsync(IChannelConnector connector, ReplyRequested reply, Channel channel, CancellationToken ct)
    {
        var client = httpClients.CreateClient(HttpClientName);
        var pipeline = _pipelines.GetOrAddPipeline<HttpResponseMessage>(channel.Id, builder => Build(builder, options.Value));
        try
        {
            using var response = await pipeline.ExecuteAsync(async token =>
            {
                using var request = connector.CreateSend(reply, channel);
                return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
            }, ct);
            var body = await ReadAsync(response, ct);
            if (!response.IsSuccessStatusCode)
            {
                return new SendOutcome(null, connector.ReadError((int)response.StatusCode, body));
            }

            try
            {
                using var json = JsonDocument.Parse(body);
                return connector.ReadMessageId(json.RootElement) is { Length: > 0 } id
                    ? new SendOutcome(id, null)
                    : new SendOutcome(null, new PlatformError("unexpected_response", "The platform accepted the message but returned no message id."));
            }
            catch (JsonException)
            {
                return new SendOutcome(null, new PlatformError("unexpected_response", "The platform answered with a body that is not JSON."));
            }
        }
        catch (BrokenCircuitException)
        {
            return new SendOutcome(null, new PlatformError("circuit_open",
                $"Calls to {channel.Type} for this channel account keep failing; they are paused for {options.Value.BreakDuration.TotalSeconds:0} s."));
        }
        catch (TimeoutRejectedException)
        {
            return new SendOutcome(null, new PlatformError("timeout", $"{channel.Type} did not answer within {options.Value.AttemptTimeout.TotalSeconds:0} s."));
        }
        catch (HttpRequestException e)
        {
            return new SendOutcome(null, new PlatformError("unreachable", $"{channel.Type} could not be reached: {e.Message}"));
        }
    }

    public void Dispose() => _pipelines.Dispose();

    private void Build(ResiliencePipelineBuilder<HttpResponseMessage> builder, ConnectorOptions settings)
    {
        var transient = new PredicateBuilder<HttpResponseMessage>()
            .Handle<HttpRequestException>()
            .Handle<TimeoutRejectedException>()
            .HandleResult(r => r.StatusCode == HttpStatusCode.TooManyRequests || (int)r.StatusCode >= 500);
        builder
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = transient,
                MaxRetryAttempts = settings.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.RetryBaseDelay,
                MaxDelay = settings.MaxRetryAfter,
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } response ? WaitAsked(response) : null),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = transient,
                FailureRatio = 1.0,
                MinimumThroughput = settings.BreakAfterFailures,
                SamplingDuration = TimeSpan.FromMinutes(1),
                BreakDuration = settings.BreakDuration,
            })
            .AddTimeout(settings.AttemptTimeout);
    }

    /// <summary>How long the platform asked us to wait: <c>Retry-After</c> (seconds or a date), or X's reset time (Unix seconds).</summary>
    private TimeSpan? WaitAsked(HttpResponseMessage response)
    {
        var now = clock.GetUtcNow();
        var wait = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - now,
            _ => response.Headers.TryGetValues("x-rate-limit-reset", out var reset) && long.TryParse(reset.FirstOrDefault(), out var unix)
                ? DateTimeOffset.FromUnixTimeSeconds(unix) - now
                : (TimeSpan?)null,
        };
        return wait is { } w ? TimeSpan.FromTicks(Math.Clamp(w.Ticks, 0, options.Value.MaxRetryAfter.Ticks)) : null;
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
