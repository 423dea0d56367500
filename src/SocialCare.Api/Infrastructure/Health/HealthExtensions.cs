using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SocialCare.Api.Infrastructure.Health;

public static class HealthExtensions
{
    public const string ReadyTag = "ready";

    public static IServiceCollection AddHealth(this IServiceCollection services)
    {
        // RabbitMQ's check is MassTransit's own bus check, registered by AddMessaging with the same tag.
        services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", tags: [ReadyTag]);
        return services;
    }

    /// <summary>
    /// <c>/health/live</c>: the process runs. <c>/health/ready</c>: PostgreSQL and RabbitMQ both answer;
    /// 503 otherwise, with each dependency's status so an operator sees which one is down.
    /// </summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app, string operatorRole)
    {
        var health = app.MapGroup("/health").WithTags("Health").AllowAnonymous().DisableRateLimiting();
        Task Write(HttpContext context, HealthReport report) =>
            WriteAsync(context, report, context.User.IsInRole(operatorRole));
        health.MapHealthChecks("/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = Write });
        health.MapHealthChecks(
            "/ready",
            new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag), ResponseWriter = Write }
        );
        return app;
    }

    /// <summary>
    /// Anyone may ask whether each dependency is up; only the admin key also hears why not and how long the check took,
    /// since the reason is an exception's text that can name hosts, ports and users.
    /// </summary>
    private static Task WriteAsync(HttpContext context, HealthReport report, bool forOperator)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e =>
                    forOperator
                        ? (object)
                            new
                            {
                                status = e.Value.Status.ToString(),
                                description = e.Value.Description,
                                durationMs = e.Value.Duration.TotalMilliseconds,
                            }
                        : new { status = e.Value.Status.ToString() }
            ),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }
}
