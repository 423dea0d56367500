using System.Collections.Concurrent;

namespace SocialCare.Api.Infrastructure.Caching;

/// <summary>
/// Rows that every request reads and that almost never change (API keys, channel accounts, subscriptions), kept in
/// memory and emptied by <see cref="CacheInvalidation"/> when any instance changes one. Misses are not cached. A load
/// that raced an invalidation is not stored, so a stale row never outlives the change that replaced it; entries also
/// expire after <see cref="TimeToLive"/>, a safety net only.
/// </summary>
public sealed class ReadThroughCache<TKey, TValue>
    where TKey : notnull
    where TValue : class
{
    public static readonly TimeSpan TimeToLive = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<TKey, (TValue Value, long ExpiresAt)> _entries = new();
    private readonly CacheInvalidation _invalidation;
    private readonly TimeProvider _clock;
    private long _clears;

    public ReadThroughCache(string scope, CacheInvalidation invalidation, TimeProvider clock)
    {
        (_invalidation, _clock) = (invalidation, clock);
        invalidation.Register(scope, Clear);
    }

    public async ValueTask<TValue?> GetAsync(
        TKey key,
        Func<TKey, CancellationToken, Task<TValue?>> load,
        CancellationToken cancellationToken
    )
    {
        var now = _clock.GetTimestamp();
        if (_invalidation.IsListening && _entries.TryGetValue(key, out var entry) && entry.ExpiresAt > now)
        {
            return entry.Value;
        }

        var clears = Interlocked.Read(ref _clears);
        var value = await load(key, cancellationToken);
        if (value is not null && _invalidation.IsListening)
        {
            _entries[key] = (value, now + (long)(TimeToLive.TotalSeconds * _clock.TimestampFrequency));
            if (Interlocked.Read(ref _clears) != clears)
            {
                _entries.TryRemove(key, out _);
            }
        }

        return value;
    }

    private void Clear()
    {
        Interlocked.Increment(ref _clears);
        _entries.Clear();
    }
}
