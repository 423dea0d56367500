using System.Collections.Concurrent;

namespace SocialCare.Api.EventLog.Changefeed;

/// <summary>Counts each API key's open event streams on this instance, so that one key cannot hold every
/// connection.</summary>
public sealed class EventStreamSlots
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>A slot for one more stream of <paramref name="keyId"/>, released when disposed; null when it holds
    /// <paramref name="max"/> already.</summary>
    public IDisposable? TryOpen(string keyId, int max)
    {
        while (true)
        {
            var open = _open.GetOrAdd(keyId, 0);
            if (open >= max)
            {
                return null;
            }

            if (_open.TryUpdate(keyId, open + 1, open))
            {
                return new Slot(this, keyId);
            }
        }
    }

    private void Close(string keyId)
    {
        _open.AddOrUpdate(keyId, 0, (_, open) => open - 1);
        // A key with no stream left takes no room (a concurrent open simply adds it again).
        _open.TryRemove(KeyValuePair.Create(keyId, 0));
    }

    private sealed class Slot(EventStreamSlots slots, string keyId) : IDisposable
    {
        private int _closed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                slots.Close(keyId);
            }
        }
    }
}
