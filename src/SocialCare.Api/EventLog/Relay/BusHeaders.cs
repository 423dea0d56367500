using System.Globalization;
using MassTransit;
using SocialCare.Api.Infrastructure.Telemetry;
using SocialCare.Contracts;

namespace SocialCare.Api.EventLog.Relay;

/// <summary>
/// The AMQP headers every event carries on the bus, so that a consumer in any language can route, filter and dedupe
/// without parsing MassTransit's <c>urn:message:</c> types. Named as the CloudEvents AMQP protocol binding names
/// attributes in application properties (<c>cloudEvents_</c>, the separator it prefers), with the values the webhook
/// CloudEvents envelope carries; plus the hub's own <c>socialcare_</c> headers. contracts/asyncapi.json documents
/// them.
/// </summary>
public static class BusHeaders
{
    public const string SpecVersion = "cloudEvents_specversion";
    public const string Id = "cloudEvents_id";
    public const string Type = "cloudEvents_type";
    public const string Source = "cloudEvents_source";
    public const string Subject = "cloudEvents_subject";
    public const string Time = "cloudEvents_time";
    public const string WorkspaceId = "socialcare_workspaceid";
    public const string Sequence = "socialcare_sequence";

    /// <summary>The CloudEvents distributed tracing extension: the W3C trace context the event was appended in
    /// (absent when it was appended outside any trace).</summary>
    public const string TraceParent = "cloudEvents_traceparent";

    public const string TraceState = "cloudEvents_tracestate";

    /// <summary>Every header, in the order the AsyncAPI document lists them.</summary>
    public static IReadOnlyList<string> All { get; } =
    [SpecVersion, Id, Type, Source, Subject, Time, WorkspaceId, Sequence, TraceParent, TraceState];

    /// <summary>Sets the headers of <paramref name="e"/>, published as <paramref name="type"/>, appended in
    /// <paramref name="trace"/>.</summary>
    public static void Apply(SendContext context, HubEvent e, string type, EventTrace? trace)
    {
        foreach (var (name, value) in Of(e, type))
        {
            context.Headers.Set(name, value);
        }

        if (trace is not null)
        {
            context.Headers.Set(TraceParent, trace.TraceParent);
            if (trace.TraceState is { Length: > 0 } state)
            {
                context.Headers.Set(TraceState, state);
            }
        }
    }

    /// <summary>The trace context a message published by the relay carries, if any.</summary>
    public static EventTrace? TraceOf(Headers headers) =>
        EventTrace.From(headers.Get<string>(TraceParent), headers.Get<string>(TraceState));

    /// <summary>The headers of <paramref name="e"/>, published as <paramref name="type"/>: strings, but for the
    /// sequence (an AMQP long); no subject when the event has none.</summary>
    public static IEnumerable<KeyValuePair<string, object>> Of(HubEvent e, string type)
    {
        yield return new(SpecVersion, "1.0");
        yield return new(Id, e.EventId.ToString());
        yield return new(Type, type);
        yield return new(Source, SourceOf(e.WorkspaceId));
        if (SubjectOf(e) is { } subject)
        {
            yield return new(Subject, subject.ToString());
        }

        yield return new(Time, e.RecordedAt.ToString("O", CultureInfo.InvariantCulture));
        yield return new(WorkspaceId, e.WorkspaceId.ToString());
        yield return new(Sequence, e.Sequence);
    }

    /// <summary>
    /// The event's routing key, which the topic exchange (<c>socialcare.topic</c>) routes on:
    /// <c>&lt;workspace id&gt;.&lt;brand&gt;.&lt;event type&gt;</c>, e.g.
    /// <c>0192….Namshi.engagement.received</c>, so that a department binds its workspace, brand and types
    /// (<c>0192….Namshi.conversation.*</c>, <c>0192….*.reply.#</c>). In the brand, the characters a topic pattern
    /// treats specially (<c>.</c>, <c>*</c>, <c>#</c>) and <c>%</c> are percent-encoded; an event without a brand has
    /// <c>_</c>; a brand too long for the 255 bytes of a routing key is <c>~</c> and the first 16 hex digits of its
    /// SHA-256 (docs/events.md).
    /// </summary>
    public static string RoutingKeyOf(HubEvent e, string type)
    {
        var brand = e.Brand is null ? "_" : Encode(e.Brand);
        var key = $"{e.WorkspaceId}.{brand}.{type}";
        return System.Text.Encoding.UTF8.GetByteCount(key) <= 255
            ? key
            : $"{e.WorkspaceId}.~{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(e.Brand!)))[..16]}.{type}";
    }

    private static string Encode(string brand) =>
        brand.Replace("%", "%25").Replace(".", "%2E").Replace("*", "%2A").Replace("#", "%23");

    /// <summary>The CloudEvents <c>source</c>: the workspace, as the REST API names it.</summary>
    public static string SourceOf(Guid workspaceId) => $"/v1/workspaces/{workspaceId}";

    /// <summary>What the event is about, as the webhook envelope's <c>subject</c>: the team for team events, the
    /// subscription for webhook events, else the conversation, else the customer; none for brand events.</summary>
    public static Guid? SubjectOf(HubEvent e) =>
        e is TeamEvent team ? team.TeamId : Webhooks.EventMatcher.SubscriptionOf(e) ?? e.ConversationId ?? e.CustomerId;
}
