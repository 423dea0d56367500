using System.Globalization;
using System.Net.Http.Headers;

namespace SocialCare.Benchmarks;

/// <summary>
/// The hub's memory as its own <c>/metrics</c> reports it (admin key): bytes the GC has allocated since start
/// (<c>dotnet.gc.heap.total_allocated</c>) and the working set, read before and after a phase, so that a phase prints
/// what it allocated per engagement and whether the working set held.
/// </summary>
internal sealed class MemoryMeter(Uri hub, string adminKey) : IDisposable
{
    private readonly HttpClient _http = new()
    {
        BaseAddress = hub,
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", adminKey) },
    };

    public sealed record Sample(double Allocated, double WorkingSet);

    public async Task<Sample> ReadAsync()
    {
        var lines = (await _http.GetStringAsync("/metrics")).Split('\n');
        return new Sample(
            Value(lines, "dotnet_gc_heap_total_allocated_bytes_total"),
            Value(lines, "dotnet_process_memory_working_set_bytes")
        );
    }

    /// <summary>"allocated 12.3 KB per engagement; working set 310 → 318 MB".</summary>
    public async Task<string> PerEngagementAsync(Sample before, long engagements)
    {
        var after = await ReadAsync();
        var perEngagement = engagements == 0 ? 0 : (after.Allocated - before.Allocated) / engagements / 1024;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"allocated {perEngagement:0.0} KB per engagement; working set {before.WorkingSet / 1048576:0} → "
                + $"{after.WorkingSet / 1048576:0} MB"
        );
    }

    private static double Value(string[] lines, string name) =>
        lines
            .Where(l =>
                l.StartsWith(name, StringComparison.Ordinal) && l.Length > name.Length && l[name.Length] is ' ' or '{'
            )
            .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))
            .DefaultIfEmpty(double.NaN)
            .Sum();

    public void Dispose() => _http.Dispose();
}
