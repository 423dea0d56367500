using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace SocialCare.Api.Infrastructure.Telemetry;

/// <summary>
/// The "relay" entry of <c>/health/ready</c>: Degraded when events have waited longer than
/// <see cref="TelemetryOptions.MaxRelayLag"/> for the broker. Degraded still answers 200: the lag is the whole
/// cluster's, so taking this instance out of the load balancer would not help; monitors alert on it.
/// </summary>
internal sealed class RelayHealthCheck(RelayLag lag, IOptionsMonitor<TelemetryOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(
        HealthCheckContext context,
        CancellationToken cancellationToken = default
    )
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            var figures = await lag.MeasureAsync(timeout.Token);
            var description =
                $"{figures.Events} events wait for the broker; the oldest for {figures.OldestWaiting.TotalSeconds:0.#} s.";
            return figures.OldestWaiting > options.CurrentValue.MaxRelayLag
                ? HealthCheckResult.Degraded(description)
                : HealthCheckResult.Healthy(description);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            // PostgreSQL's own entry reports it down; the relay's lag is then unknown, not the cause.
            return HealthCheckResult.Degraded($"The relay's lag cannot be measured: {e.Message}");
        }
    }
}
