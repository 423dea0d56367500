using System.Collections.Concurrent;
using System.Diagnostics;

namespace SocialCare.Api.Tests.Support;

/// <summary>
/// Records, in this test process, the spans the hubs make (their own, ASP.NET Core's and MassTransit's) in the traces
/// a test follows, as an OpenTelemetry exporter would receive them.
/// </summary>
public sealed class SpanCollector : IDisposable
{
    private static readonly string[] Sources = ["SocialCare.Hub", "Microsoft.AspNetCore", "MassTransit"];
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _spans = new();

    public SpanCollector()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => Sources.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The finished spans of <paramref name="trace"/>.</summary>
    public IReadOnlyList<Activity> Of(ActivityTraceId trace) => _spans.Where(s => s.TraceId == trace).ToList();

    public void Dispose() => _listener.Dispose();
}
