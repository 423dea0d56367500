using System.Globalization;
using System.Threading.RateLimiting;
using SocialCare.Api.Infrastructure.Problems;

namespace SocialCare.Api.Authorization;

/// <summary>Request limits (configuration section <c>RateLimiting</c>).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimiting";

    /// <summary>Requests a key may make per second, sustained.</summary>
    public int PermitsPerSecond { get; set; } = 200;

    /// <summary>Requests a key may make at once after being idle.</summary>
    public int Burst { get; set; } = 400;

    /// <summary>Platform webhooks (<c>POST /v1/hooks/…</c>) one client address may send per second, sustained; bursts
    /// twice that.</summary>
    public int HooksPerAddressPerSecond { get; set; } = 500;

    /// <summary>Verification handshakes (<c>GET /v1/hooks/…</c>) per channel account per minute: platforms send one now
    /// and then.</summary>
    public int HandshakesPerAccountPerMinute { get; set; } = 12;

    /// <summary>Failed authentications one client address may make per minute; past that it is refused without a
    /// check.</summary>
    public int AuthFailuresPerAddressPerMinute { get; set; } = 60;
}

public static class RateLimitingExtensions
{
    /// <summary>The policy of the platform webhook routes.</summary>
    public const string HooksPolicy = "hooks";

    public static IServiceCollection AddApiRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .AddOptions<RateLimitOptions>()
            .BindConfiguration(RateLimitOptions.Section)
            .Validate(
                o =>
                    o.PermitsPerSecond > 0
                    && o.Burst > 0
                    && o.HooksPerAddressPerSecond > 0
                    && o.HandshakesPerAccountPerMinute > 0
                    && o.AuthFailuresPerAddressPerMinute > 0,
                "RateLimiting: every limit must be positive."
            )
            .ValidateOnStart();
        services.AddSingleton<AuthenticationFailures>();
        var limits =
            configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddRateLimiter(options =>
        {
            // Per API key. Unauthenticated traffic is limited elsewhere: platform webhooks by the hooks policy, bad
            // keys by AuthenticationFailures; health and docs are not limited.
            options.GlobalLimiter = new IdleSafeRateLimiter<HttpContext>(
                PartitionedRateLimiter.Create<HttpContext, string>(context =>
                    context.User.KeyId() is { } keyId
                        ? RateLimitPartition.GetTokenBucketLimiter(
                            keyId,
                            _ => Bucket(limits.Burst, limits.PermitsPerSecond, TimeSpan.FromSeconds(1))
                        )
                        : RateLimitPartition.GetNoLimiter(string.Empty)
                )
            );
            options.AddPolicy(
                HooksPolicy,
                context =>
                    HttpMethods.IsGet(context.Request.Method)
                        ? RateLimitPartition.GetTokenBucketLimiter(
                            $"handshake:{context.Request.RouteValues["channelAccountId"]}",
                            _ =>
                                Bucket(
                                    limits.HandshakesPerAccountPerMinute,
                                    limits.HandshakesPerAccountPerMinute,
                                    TimeSpan.FromMinutes(1)
                                )
                        )
                        : RateLimitPartition.GetTokenBucketLimiter(
                            $"hooks:{ClientAddress(context)}",
                            _ =>
                                Bucket(
                                    limits.HooksPerAddressPerSecond * 2,
                                    limits.HooksPerAddressPerSecond,
                                    TimeSpan.FromSeconds(1)
                                )
                        )
            );
            options.OnRejected = async (rejected, _) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
                    ? wait
                    : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                await WriteTooManyAsync(
                    rejected.HttpContext,
                    seconds,
                    rejected.HttpContext.User.KeyId() is null
                        ? $"Too many requests to this route from this client. Retry after {seconds} s."
                        : $"This API key is limited to {limits.PermitsPerSecond} requests per second "
                            + $"(bursts of {limits.Burst}). Retry after {seconds} s."
                );
            };
        });
        return services;
    }

    /// <summary>The caller's address (behind a proxy, set <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c> so that it is
    /// the client's).</summary>
    public static string ClientAddress(HttpContext context) =>
        context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public static async Task WriteTooManyAsync(HttpContext context, int retryAfterSeconds, string detail)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        await Problem.WriteAsync(
            context,
            Problem.Details(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited, "Too many requests", detail)
        );
    }

    private static TokenBucketRateLimiterOptions Bucket(int limit, int perPeriod, TimeSpan period) =>
        new()
        {
            TokenLimit = limit,
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
}
