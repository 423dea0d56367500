using SocialCare.Api.EventLog.Relay;
using SocialCare.Api.Infrastructure.Messaging;

namespace SocialCare.Api.Tests.Contracts;

/// <summary>The prose of contracts/asyncapi.json: delivery guarantees, the message format, how to bind a
/// queue.</summary>
internal static class AsyncApiText
{
    public static readonly string Info = $"""
        Every change to a conversation or customer is an event, published by the hub's outbox relay through
        MassTransit with publisher confirms, persistent (delivery mode 2). The same events are in the changefeed
        (`GET /v1/events`) and in webhooks; see docs/events.md.

        **Delivery is at least once.** After a crash between the broker's confirm and the relay's checkpoint, the
        last events are published again. Dedupe on the event id: the `{BusHeaders.Id}` header, the AMQP
        `message-id` and `message.eventId` in the body are the same value.

        **Order by `sequence`.** `{BusHeaders.Sequence}` (and `message.sequence`) is the event's global position in
        the hub's log: increasing in commit order, with a gap only where a transaction failed mid-commit (never
        filled later, do not wait for it). The relay publishes in that order; a consumer with several workers, or
        one that sees a redelivery, orders on it.

        **Headers.** Every message carries the event's CloudEvents attributes as AMQP headers, named as the
        CloudEvents AMQP protocol binding names application properties (`cloudEvents_` prefix): filter and route on
        `{BusHeaders.Type}` without parsing the body or MassTransit's `urn:message:` types.

        **Body.** The body is MassTransit's JSON envelope (`content_type: {AsyncApiMessages.ContentType}`), not a
        bare event and not a CloudEvents structured event: the event is the envelope's `message` member, described
        by the JSON Schema of its type (`./schemas/<type>.json`).

        **Consuming from any language.** Declare a durable queue of your own (it belongs to your department and keeps
        messages while your app is down) and bind it to the exchanges you want: `socialcare.events` for every
        event, `socialcare.<type>` for one type, `socialcare.reply.progress` for every reply.* progress event.
        These are durable fanout exchanges, so the routing key is ignored: bind with an empty one. Declare
        the exchange yourself too, with the same arguments (durable fanout, not auto-delete), so that your binding
        works whether or not the hub has started yet. Never consume from another department's or the hub's own
        queues.

        **Binding narrowly.** `{TopicExchange.Name}` is a durable topic exchange that receives every event once, with
        the routing key `<workspace id>.<brand>.<event type>`: bind `<workspace id>.Namshi.#` for one brand of one
        workspace, `<workspace id>.*.conversation.*` for one family. In the brand, `.`, `*`, `#` and `%` are
        percent-encoded; no brand is `_`.

        **Personal data.** Every exchange carries customers' identities and words as they are (the fields marked
        `x-pii` in the schemas): the operator gives bus access only to departments that may see them, and a redacted
        feed (webhooks with `pii`, or the changefeed with a key without `pii:read`) to the others; see
        docs/privacy.md.
        """;

    public const string Operation = """
        The hub publishes each event once, to the exchange of its type (`socialcare.<type>`); the broker forwards it
        through exchange-to-exchange bindings to `socialcare.events` and, for reply progress, to
        `socialcare.reply.progress`.
        """;

    public static string Channel(string exchange, IReadOnlyList<string> types, IReadOnlySet<string> boundTo) =>
        exchange == TopicExchange.Name
            ? "Every event, once, with the routing key `<workspace id>.<brand>.<event type>` (brand percent-encoded, "
                + "`_` when none). Bind your queue with a pattern: `queue.bind(queue=<yours>, exchange="
                + $"{TopicExchange.Name}, routing_key=\"<workspace id>.Namshi.conversation.*\")`."
            : (
                (
                    types.Count == 1 ? $"Every `{types[0]}` event."
                    : exchange == HubEntityNameFormatter.AllEventsExchange ? "Every event."
                    : $"Every event of types {string.Join(", ", types.Select(t => $"`{t}`"))}."
                )
                + (
                    boundTo.Count == 0
                        ? string.Empty
                        : $" Also delivered to {string.Join(" and ", boundTo.Select(b => $"`{b}`"))} (exchange-to-exchange "
                            + "bindings)."
                )
                + $" Bind your queue with `queue.bind(queue=<yours>, exchange={exchange}, routing_key=\"\")`."
            );
}
