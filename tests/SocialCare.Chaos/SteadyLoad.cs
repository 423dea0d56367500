using System.Diagnostics;

namespace SocialCare.Chaos;

/// <summary>
/// A load at a steady rate, as platforms and partners send: item <c>i</c> starts <c>i / rate</c> seconds after the
/// start (never earlier, and late ones at once), with at most <paramref name="concurrency"/> in flight, so that a slow
/// hub gets a queue of requests rather than a burst.
/// </summary>
internal sealed class SteadyLoad(double rate, int concurrency)
{
    /// <summary>
    /// Starts <paramref name="send"/> for 0, 1, 2 … while <paramref name="keepGoing"/> says so (given the item and the
    /// time since the start), calling <paramref name="beforeEach"/> before each (progress, samples), and waits for every
    /// send to end.
    /// </summary>
    public async Task RunAsync(
        Func<long, TimeSpan, bool> keepGoing,
        Func<long, TimeSpan, Task> beforeEach,
        Func<long, Task> send
    )
    {
        using var inflight = new SemaphoreSlim(concurrency);
        // The load's own pacing, as the benchmark's open loop: every millisecond, what is due by then starts.
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(1));
        var started = Stopwatch.GetTimestamp();
        var sends = new List<Task>();
        for (var i = 0L; keepGoing(i, Stopwatch.GetElapsedTime(started)); i++)
        {
            while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(i / rate))
            {
                await tick.WaitForNextTickAsync();
            }

            await beforeEach(i, Stopwatch.GetElapsedTime(started));
            await inflight.WaitAsync();
            var n = i;
            sends.Add(
                Task.Run(async () =>
                {
                    try
                    {
                        await send(n);
                    }
                    finally
                    {
                        inflight.Release();
                    }
                })
            );
        }

        await Task.WhenAll(sends);
    }
}
