using System.Text.Json;
using MassTransit;

namespace SocialCare.Api.EventLog.DeadLetters;

/// <summary>
/// The error pipe of the hub's own queues (<see cref="Infrastructure.Messaging.HubQueues"/>), in place of
/// MassTransit's move to <c>&lt;queue&gt;_error</c>: a message that exhausted its retries is stored in
/// <c>dead_letters</c> as it was received — AMQP message id, content type, headers, body — with the fault, and is
/// acknowledged only once stored; if PostgreSQL cannot take it, the message goes back to its queue and is tried again.
/// The admin API lists, inspects and redrives it.
/// </summary>
internal sealed class QueueDeadLetterFilter(DeadLetterStore store, string queue) : IFilter<ExceptionReceiveContext>
{
    public void Probe(ProbeContext context) => context.CreateFilterScope("socialcare-dead-letters");

    public async Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        var headers = new Dictionary<string, object?>();
        string? messageId = null;
        var contentType = context.ContentType?.ToString();
        if (context.TryGetPayload<RabbitMqBasicConsumeContext>(out var rabbit))
        {
            messageId = rabbit.Properties.MessageId;
            contentType = rabbit.Properties.ContentType ?? contentType;
            foreach (var (name, value) in rabbit.Properties.Headers ?? new Dictionary<string, object?>())
            {
                headers[name] = Plain(value);
            }
        }

        string? Header(string name) => headers.GetValueOrDefault(name) as string;
        var exception = context.Exception.GetBaseException();
        await store.AddAsync(
            new QueueDeadLetter(
                queue,
                messageId,
                contentType,
                JsonSerializer.Serialize(headers),
                context.Body.GetBytes(),
                Guid.TryParse(Header(Relay.BusHeaders.Id), out var eventId) ? eventId : null,
                Header(Relay.BusHeaders.Type),
                Guid.TryParse(Header(Relay.BusHeaders.WorkspaceId), out var workspaceId) ? workspaceId : null,
                exception.Message,
                exception.GetType().FullName ?? exception.GetType().Name,
                context.ExceptionTimestamp
            ),
            context.CancellationToken
        );
        await next.Send(context);
    }

    /// <summary>An AMQP header value as JSON can hold it: strings (which AMQP carries as bytes) as strings, numbers and
    /// booleans as they are, lists item by item, timestamps as Unix seconds.</summary>
    private static object? Plain(object? value) =>
        value switch
        {
            byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
            RabbitMQ.Client.AmqpTimestamp timestamp => timestamp.UnixTime,
            System.Collections.IList list => list.Cast<object?>().Select(Plain).ToList(),
            string
            or bool
            or sbyte
            or byte
            or short
            or ushort
            or int
            or uint
            or long
            or ulong
            or float
            or double
            or decimal
            or null => value,
            _ => value.ToString(),
        };
}
