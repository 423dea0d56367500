using RabbitMQ.Client;

namespace SocialCare.Api.Infrastructure.Messaging;

/// <summary>
/// The topic exchange a department binds narrowly: <c>socialcare.topic</c>, durable, bound to the fanout exchange of
/// every event (<c>socialcare.events</c>), so each event reaches it once, with its routing key
/// <c>&lt;workspace id&gt;.&lt;brand&gt;.&lt;event type&gt;</c> (<see cref="EventLog.Relay.BusHeaders.RoutingKeyOf"/>).
/// Declared — with the fanout exchange, as MassTransit declares it — before the relay publishes anything, so that no
/// event misses it; every declaration is idempotent.
/// </summary>
public static class TopicExchange
{
    public const string Name = "socialcare.topic";

    public static async Task DeclareAsync(RabbitMqOptions options, CancellationToken ct)
    {
        await using var connection = await options
            .ConnectionFactory("socialcare-topology")
            .CreateConnectionAsync(options.Endpoints(), ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await channel.ExchangeDeclareAsync(
            HubEntityNameFormatter.AllEventsExchange,
            ExchangeType.Fanout,
            durable: true,
            autoDelete: false,
            cancellationToken: ct
        );
        await channel.ExchangeDeclareAsync(
            Name,
            ExchangeType.Topic,
            durable: true,
            autoDelete: false,
            cancellationToken: ct
        );
        await channel.ExchangeBindAsync(
            Name,
            HubEntityNameFormatter.AllEventsExchange,
            string.Empty,
            cancellationToken: ct
        );
    }
}
