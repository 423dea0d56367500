using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace SocialCare.Api.Tests.Support;

/// <summary>
/// A consumer written the way a non-.NET department would write one: plain RabbitMQ.Client, its own exclusive queue
/// bound to the hub's fanout exchanges, JSON bodies read by hand.
/// </summary>
public sealed class RabbitTap : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly ConcurrentQueue<(JsonNode Envelope, byte[] Body, IReadOnlyBasicProperties Properties)> _received =
        new();

    private readonly ConcurrentQueue<string> _routingKeys = new();

    /// <summary>The routing key of each message so far, in arrival order.</summary>
    public IReadOnlyList<string> RoutingKeys => _routingKeys.ToList();

    private RabbitTap(IConnection connection, IChannel channel) => (_connection, _channel) = (connection, channel);

    public static Task<RabbitTap> BindAsync(params string[] exchanges) =>
        StartAsync(
            async (channel, queue) =>
            {
                foreach (var exchange in exchanges)
                {
                    // Same arguments as the hub declares (durable fanout), so this is idempotent whoever comes first.
                    await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
                    await channel.QueueBindAsync(queue, exchange, string.Empty);
                }
            }
        );

    /// <summary>A queue bound to the hub's topic exchange with <paramref name="patterns"/> as binding keys.</summary>
    public static Task<RabbitTap> BindTopicAsync(params string[] patterns) =>
        StartAsync(
            async (channel, queue) =>
            {
                await channel.ExchangeDeclareAsync(
                    "socialcare.topic",
                    ExchangeType.Topic,
                    durable: true,
                    autoDelete: false
                );
                foreach (var pattern in patterns)
                {
                    await channel.QueueBindAsync(queue, "socialcare.topic", pattern);
                }
            }
        );

    private static async Task<RabbitTap> StartAsync(Func<IChannel, string, Task> bind)
    {
        var factory = new ConnectionFactory
        {
            HostName = TestEnvironment.RabbitHost,
            Port = TestEnvironment.RabbitPort,
            VirtualHost = TestEnvironment.RabbitVirtualHost,
        };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var queue = await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true);
        var tap = new RabbitTap(connection, channel);
        await bind(channel, queue.QueueName);

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var body = delivery.Body.ToArray();
            tap._received.Enqueue((JsonNode.Parse(Encoding.UTF8.GetString(body))!, body, delivery.BasicProperties));
            tap._routingKeys.Enqueue(delivery.RoutingKey);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        return tap;
    }

    /// <summary>Every message so far: MassTransit's envelope, whose <c>message</c> member is the event.</summary>
    public IReadOnlyList<JsonNode> Envelopes => _received.Select(r => r.Envelope).ToList();

    public IReadOnlyList<JsonNode> Messages(Guid workspaceId) =>
        Envelopes.Select(e => e["message"]!).Where(m => m["workspaceId"]?.GetValue<Guid>() == workspaceId).ToList();

    public IReadOnlyList<byte[]> Bodies => _received.Select(r => r.Body).ToList();

    /// <summary>Every message so far with its AMQP properties (content type, message id, headers) as the broker
    /// delivered them.</summary>
    public IReadOnlyList<(JsonNode Envelope, IReadOnlyBasicProperties Properties)> Deliveries =>
        _received.Select(r => (r.Envelope, r.Properties)).ToList();

    public Task<IReadOnlyList<JsonNode>> WaitForAsync(Guid workspaceId, int count, TimeSpan? timeout = null) =>
        Eventually.Until(
            () => Task.FromResult(Messages(workspaceId)),
            m => m.Count >= count,
            timeout ?? TimeSpan.FromSeconds(30),
            $"{count} messages for workspace {workspaceId} on RabbitMQ"
        );

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _connection.CloseAsync();
        _channel.Dispose();
        _connection.Dispose();
    }
}
