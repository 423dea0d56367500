using System.Diagnostics;

namespace SocialCare.Api.Infrastructure.Telemetry;

/// <summary>
/// The hub's own spans (the ActivitySource <c>SocialCare.Hub</c>): the relay handing an event to the broker, each
/// webhook attempt, each platform send. ASP.NET Core, HttpClient, Npgsql and MassTransit add theirs
/// (docs/operations.md, "Tracing").
/// </summary>
public static class HubTracing
{
    public const string SourceName = "SocialCare.Hub";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The sources whose spans carry a trace across the hub: ASP.NET Core's request, the hub's own, and
    /// MassTransit's publish and consume (its <c>MT-Activity-Id</c> header).</summary>
    public static readonly IReadOnlyList<string> CarrierSources = ["Microsoft.AspNetCore", SourceName, "MassTransit"];

    private static readonly Lazy<ActivityListener> Propagation = new(() =>
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => CarrierSources.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    });

    /// <summary>
    /// Makes sure the carrier sources' spans are always made, at least unrecorded, so that their context travels on
    /// whether or not anything exports them or samples them: OpenTelemetry makes no span under a local parent it did not
    /// sample, and MassTransit then puts no context on the message. Once per process.
    /// </summary>
    public static void AlwaysPropagate() => _ = Propagation.Value;

    /// <summary>Starts a span whose parent is <paramref name="parent"/>'s context, else the current span, else
    /// none.</summary>
    public static Activity? Start(string name, ActivityKind kind, EventTrace? parent) =>
        parent is null ? Source.StartActivity(name, kind) : Source.StartActivity(name, kind, parent.Context);
}
