using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace SocialCare.Api.Authorization;

/// <summary>
/// Failed authentications per client address. Each unknown, revoked or malformed key spends one token of its address;
/// an address with none left is refused (429) before its key is even looked up, so guessing keys, or flooding the key
/// lookup with random ones, costs the caller a minute per <see
/// cref="RateLimitOptions.AuthFailuresPerAddressPerMinute"/> attempts and the hub almost nothing.
/// </summary>
public sealed class AuthenticationFailures(IOptions<RateLimitOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = new IdleSafeRateLimiter<string>(
        PartitionedRateLimiter.Create<string, string>(address =>
            RateLimitPartition.GetTokenBucketLimiter(
                address,
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.Value.AuthFailuresPerAddressPerMinute,
                    TokensPerPeriod = options.Value.AuthFailuresPerAddressPerMinute,
                    ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }
            )
        )
    );

    /// <summary>Seconds until the address may try again (the replenishment period); what a refused caller is
    /// told.</summary>
    public static int RetryAfterSeconds => 60;

    public bool Exhausted(string address) => _limiter.GetStatistics(address)?.CurrentAvailablePermits is 0;

    public void Record(string address)
    {
        using var lease = _limiter.AttemptAcquire(address);
    }

    public void Dispose() => _limiter.Dispose();
}
