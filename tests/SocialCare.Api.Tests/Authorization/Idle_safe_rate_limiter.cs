using System.Threading.RateLimiting;
using SocialCare.Api.Authorization;

namespace SocialCare.Api.Tests.Authorization;

/// <summary>
/// .NET's partitioned limiter retires a partition's limiter after ten idle seconds; a request caught between its lookup
/// and its use met a disposed limiter and was answered 500 (the chaos run, 1 in 50,000). The wrapper asks again.
/// </summary>
public sealed class Idle_safe_rate_limiter
{
    [Test]
    public void A_limiter_retired_under_a_request_is_asked_again_and_the_request_goes_on()
    {
        using var limiter = new IdleSafeRateLimiter<string>(new RetiringOnce());
        using var lease = limiter.AttemptAcquire("127.0.0.1");
        Assert.Multiple(() =>
        {
            Assert.That(lease.IsAcquired, Is.True);
            Assert.That(limiter.GetStatistics("127.0.0.1")?.CurrentAvailablePermits, Is.EqualTo(9));
        });
    }

    [Test]
    public async Task An_asynchronous_acquire_is_asked_again_too()
    {
        await using var limiter = new IdleSafeRateLimiter<string>(new RetiringOnce());
        using var lease = await limiter.AcquireAsync("127.0.0.1");
        Assert.That(lease.IsAcquired, Is.True);
    }

    [Test]
    public void Once_disposed_itself_it_says_so()
    {
        var limiter = new IdleSafeRateLimiter<string>(
            PartitionedRateLimiter.Create<string, string>(a => RateLimitPartition.GetNoLimiter(a))
        );
        limiter.Dispose();
        Assert.Throws<ObjectDisposedException>(() => limiter.AttemptAcquire("127.0.0.1"));
    }

    /// <summary>Each call's first attempt meets a limiter retired meanwhile; the second finds a fresh one.</summary>
    private sealed class RetiringOnce : PartitionedRateLimiter<string>
    {
        private readonly PartitionedRateLimiter<string> _real = PartitionedRateLimiter.Create<string, string>(a =>
            RateLimitPartition.GetFixedWindowLimiter(
                a,
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 10, Window = TimeSpan.FromMinutes(1) }
            )
        );
        private bool _retired;

        private void RetireEveryOtherTime()
        {
            _retired = !_retired;
            ObjectDisposedException.ThrowIf(_retired, this);
        }

        public override RateLimiterStatistics? GetStatistics(string resource)
        {
            RetireEveryOtherTime();
            return _real.GetStatistics(resource);
        }

        protected override RateLimitLease AttemptAcquireCore(string resource, int permitCount)
        {
            RetireEveryOtherTime();
            return _real.AttemptAcquire(resource, permitCount);
        }

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(
            string resource,
            int permitCount,
            CancellationToken cancellationToken
        )
        {
            RetireEveryOtherTime();
            return _real.AcquireAsync(resource, permitCount, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _real.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
