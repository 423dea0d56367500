using System.Diagnostics;

namespace SocialCare.Api.Infrastructure.Telemetry;

/// <summary>
/// The W3C trace context an event was appended in (the request's span, or the consumer's for an event a rule or a
/// timer caused): kept in the event's metadata (<c>mt_events.headers</c>), carried on the bus as the CloudEvents
/// <c>traceparent</c> attribute and in the webhook envelope, so that every span the event causes — the relay's
/// publish, each fan-out, each webhook attempt, each platform send — joins the trace it started in.
/// </summary>
public sealed record EventTrace(string TraceParent, string? TraceState)
{
    /// <summary>The header names, as the CloudEvents distributed tracing extension and W3C Trace Context name
    /// them.</summary>
    public const string TraceParentName = "traceparent";

    public const string TraceStateName = "tracestate";

    /// <summary>The context of the current span, if there is one in W3C form.</summary>
    public static EventTrace? Current() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C, Id: { } id } current
            ? new EventTrace(id, current.TraceStateString)
            : null;

    /// <summary>A trace context read back from storage or a message: none unless the <c>traceparent</c> is
    /// valid.</summary>
    public static EventTrace? From(string? traceParent, string? traceState) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, traceState, out _)
            ? new EventTrace(traceParent, traceState)
            : null;

    /// <summary>The span context to parent a span on.</summary>
    public ActivityContext Context =>
        ActivityContext.TryParse(TraceParent, TraceState, isRemote: true, out var context) ? context : default;
}
