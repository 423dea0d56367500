using System.Text.Json;

namespace SocialCare.Api.EventLog.DeadLetters;

/// <summary>Where a dead letter comes from (<c>source</c>).</summary>
public static class DeadLetterSources
{
    /// <summary>The outbox relay could not read the event to publish it.</summary>
    public const string Relay = "relay";

    /// <summary>A log follower (the workflow processor, the reports) could not read the event.</summary>
    public const string Follower = "follower";

    /// <summary>A message exhausted its retries on one of the hub's own queues.</summary>
    public const string Queue = "queue";

    public static readonly IReadOnlyList<string> All = [Relay, Follower, Queue];
}

/// <summary>A message or event the hub set aside instead of losing it.</summary>
/// <param name="Id">The dead letter's id.</param>
/// <param name="Source"><c>relay</c>, <c>follower</c> or <c>queue</c>.</param>
/// <param name="Follower">The follower that could not read the event (<c>rabbitmq</c> is the relay's; <c>workflow</c>,
/// <c>reports</c>).</param>
/// <param name="Queue">The hub queue the message faulted on.</param>
/// <param name="EventId">The event, when known.</param>
/// <param name="EventType">The event's type, when known.</param>
/// <param name="WorkspaceId">The event's workspace, when known.</param>
/// <param name="Sequence">The event's place in the log, for an event a follower could not read.</param>
/// <param name="Error">Why it was set aside: the last exception's message.</param>
/// <param name="ExceptionType">The last exception's type, for a queue message.</param>
/// <param name="At">When it was set aside.</param>
/// <param name="RedrivenAt">When it was last redriven; null while it waits.</param>
/// <param name="Redrives">How many times it was redriven.</param>
public sealed record DeadLetterResponse(
    Guid Id,
    string Source,
    string? Follower,
    string? Queue,
    Guid? EventId,
    string? EventType,
    Guid? WorkspaceId,
    long? Sequence,
    string Error,
    string? ExceptionType,
    DateTimeOffset At,
    DateTimeOffset? RedrivenAt,
    int Redrives
);

/// <summary>A dead letter with what a redrive sends back: a queue message's AMQP properties and body.</summary>
/// <param name="DeadLetter">The dead letter.</param>
/// <param name="MessageId">The AMQP message id.</param>
/// <param name="ContentType">The AMQP content type.</param>
/// <param name="Headers">The AMQP headers as received, MassTransit's <c>MT-Fault-*</c> included.</param>
/// <param name="Body">The body: text when it is UTF-8 (MassTransit's JSON envelope), else base64.</param>
/// <param name="BodyEncoding"><c>utf-8</c> or <c>base64</c>.</param>
public sealed record DeadLetterDetail(
    DeadLetterResponse DeadLetter,
    string? MessageId,
    string? ContentType,
    IReadOnlyDictionary<string, JsonElement>? Headers,
    string? Body,
    string? BodyEncoding
);
