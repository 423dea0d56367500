using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SocialCare.Api.Authorization;

namespace SocialCare.Api.Infrastructure.Telemetry;

/// <summary>
/// Traces, metrics and logs (docs/operations.md). Spans are always made (<see cref="HubTracing.AlwaysPropagate"/>), so
/// that the W3C trace context travels from a request through the log, the bus and the webhooks even when nothing is
/// exported; they are recorded and exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or its traces variant) is set, with the other standard
/// <c>OTEL_*</c> variables. Metrics are served to Prometheus at <c>/metrics</c> (<see cref="TelemetryOptions.Scrape"/>)
/// and exported over OTLP under the same condition.
/// </summary>
public static class TelemetryExtensions
{
    public const string ServiceName = "socialcare-hub";

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services
            .AddOptions<TelemetryOptions>()
            .BindConfiguration(TelemetryOptions.Section)
            .Validate(
                o => ScrapeAccess.All.Contains(o.Scrape) && o.SampleInterval > TimeSpan.Zero,
                $"Telemetry:Scrape must be one of {string.Join(", ", ScrapeAccess.All)}; Telemetry:SampleInterval "
                    + "must be positive."
            )
            .ValidateOnStart();
        HubTracing.AlwaysPropagate();
        services.AddSingleton<HubMetrics>();
        services.AddSingleton<RelayLag>();
        services.AddHostedService<OperationalFigures>();
        services.AddHealthChecks().AddCheck<RelayHealthCheck>("relay", tags: [Health.HealthExtensions.ReadyTag]);

        var exportsTraces = IsSet(configuration, "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        var exportsMetrics = IsSet(configuration, "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
        services
            .AddOpenTelemetry()
            .ConfigureResource(resource =>
                resource.AddService(configuration["OTEL_SERVICE_NAME"] ?? ServiceName, serviceInstanceId: Instance())
            )
            .WithTracing(tracing =>
            {
                if (exportsTraces)
                {
                    tracing
                        .AddSource(HubTracing.SourceName, "MassTransit")
                        .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsPlumbing(context.Request.Path))
                        .AddHttpClientInstrumentation()
                        .AddNpgsql()
                        .SetSampler(new ParentBasedSampler(new AlwaysOnSampler()))
                        .AddOtlpExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics
                    .AddMeter(
                        HubMetrics.MeterName,
                        "MassTransit",
                        "System.Runtime",
                        "System.Net.Http",
                        "Microsoft.AspNetCore.Hosting",
                        "Microsoft.AspNetCore.Server.Kestrel"
                    )
                    .AddNpgsqlInstrumentation()
                    .AddPrometheusExporter();
                if (exportsMetrics)
                {
                    metrics.AddOtlpExporter();
                }
            });
        builder.Logging.Configure(o =>
            o.ActivityTrackingOptions =
                Microsoft.Extensions.Logging.ActivityTrackingOptions.TraceId
                | Microsoft.Extensions.Logging.ActivityTrackingOptions.SpanId
        );
        return builder;
    }

    /// <summary><c>/metrics</c>, unless <see cref="TelemetryOptions.Scrape"/> is <c>off</c>; for the admin key only,
    /// unless it is <c>anonymous</c>.</summary>
    public static WebApplication MapTelemetry(this WebApplication app)
    {
        var scrape = app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value.Scrape;
        if (scrape == ScrapeAccess.Off)
        {
            return app;
        }

        var endpoint = app.MapPrometheusScrapingEndpoint("/metrics").DisableRateLimiting();
        if (scrape == ScrapeAccess.Admin)
        {
            endpoint.RequireAuthorization(AuthorizationExtensions.AdminPolicy);
        }
        else
        {
            endpoint.AllowAnonymous();
        }

        return app;
    }

    /// <summary>
    /// After authentication: every log line written for a request names the caller's workspace (a logging scope), and
    /// so does the request's span; each request but health checks and scrapes ends with one access line (category
    /// <c>SocialCare.Api.Access</c>) giving its method, route template, status and duration — never its query, body or
    /// headers, which can hold tokens and personal data.
    /// </summary>
    public static IApplicationBuilder UseRequestLog(this IApplicationBuilder app) => app.UseMiddleware<RequestLog>();

    internal static bool IsPlumbing(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");

    private static bool IsSet(ConfigurationManager configuration, params string[] names) =>
        names.Any(name => !string.IsNullOrWhiteSpace(configuration[name]));

    private static string Instance() => $"{Environment.MachineName}:{Environment.ProcessId}";
}
