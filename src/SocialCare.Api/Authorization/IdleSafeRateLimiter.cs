using System.Threading.RateLimiting;

namespace SocialCare.Api.Authorization;

/// <summary>
/// A partitioned rate limiter that survives its partitions being retired. .NET's partitioned limiter disposes a
/// partition's limiter once it has been idle (a full token bucket) for ten seconds; a request that looked the limiter
/// up just before that and uses it just after gets an <see cref="ObjectDisposedException"/> — one request in tens of
/// thousands under steady load, answered 500 (found by the chaos run). Such a request simply asks again: the next
/// lookup makes a new limiter for the partition, which is what a retired (idle, so full) one amounted to.
/// </summary>
public sealed class IdleSafeRateLimiter<TResource>(PartitionedRateLimiter<TResource> inner)
    : PartitionedRateLimiter<TResource>
{
    private bool _disposed;

    public override RateLimiterStatistics? GetStatistics(TResource resource) =>
        Again(() => inner.GetStatistics(resource));

    protected override RateLimitLease AttemptAcquireCore(TResource resource, int permitCount) =>
        Again(() => inner.AttemptAcquire(resource, permitCount));

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(
        TResource resource,
        int permitCount,
        CancellationToken cancellationToken
    )
    {
        try
        {
            return await inner.AcquireAsync(resource, permitCount, cancellationToken);
        }
        catch (ObjectDisposedException) when (!_disposed)
        {
            return await inner.AcquireAsync(resource, permitCount, cancellationToken);
        }
    }

    private T Again<T>(Func<T> use)
    {
        try
        {
            return use();
        }
        catch (ObjectDisposedException) when (!_disposed)
        {
            return use();
        }
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        _disposed = true;
        await inner.DisposeAsync();
        await base.DisposeAsyncCore();
    }
}
