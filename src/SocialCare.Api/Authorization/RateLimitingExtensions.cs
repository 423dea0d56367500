using System.Globalization;
using System.Threading.RateLimiting;
using SocialCare.Api.Infrastructure.Problems;

namespace SocialCare.Api.Authorization;

/// <summary>Per-key limits (configuration section <c>RateLimiting</c>): a token bucket per API key.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimiting";

    /// <summary>Requests a key may make per second, sustained.</summary>
    public int PermitsPerSecond { get; set; } = 200;

    /// <summary>Requests a key may make at once after being idle.</summary>
    public int Burst { get; set; } = 400;
}

public static class RateLimitingExtensions
{
    public static IServiceCollection AddApiRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section)
            .Validate(o => o.PermitsPerSecond > 0 && o.Burst > 0, "RateLimiting:PermitsPerSecond and Burst must be positive.")
            .ValidateOnStart();
        var limits = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddRateLimiter(options =>
        {
            // Unauthenticated traffic (health, docs, platform webhooks) is not limited per key; bad keys
            // are refused before they cost more than one indexed lookup.
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                context.User.KeyId() is { } keyId
                    ? RateLimitPartition.GetTokenBucketLimiter(keyId, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = limits.Burst,
                        TokensPerPeriod = limits.PermitsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    })
                    : RateLimitPartition.GetNoLimiter(string.Empty));
            options.OnRejected = async (rejected, _) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await Problem.WriteAsync(rejected.HttpContext, Problem.Details(
                    StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited, "Too many requests",
                    $"This API key is limited to {limits.PermitsPerSecond} requests per second (bursts of {limits.Burst}). Retry after {seconds} s."));
            };
        });
        return services;
    }
}
