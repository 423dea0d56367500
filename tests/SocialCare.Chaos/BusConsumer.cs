using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace SocialCare.Chaos;

/// <summary>
/// A department that reads the bus with plain RabbitMQ.Client: a durable queue of its own bound to the topic exchange
/// for every engagement.received, acknowledged after reading, with the client's own recovery across a broker restart
/// (on a cluster: to another node, its queue a quorum queue).
/// </summary>
internal sealed class BusConsumer : IAsyncDisposable
{
    public const string Queue = "chaos-department";
    private readonly ConcurrentDictionary<Guid, long> _received = new();
    private int _duplicates;
    private IConnection? _connection;
    private IChannel? _channel;

    public IReadOnlyDictionary<Guid, long> Received => _received;

    public int Duplicates => Volatile.Read(ref _duplicates);

    public async Task StartAsync(ChaosOptions options)
    {
        var factory = new ConnectionFactory
        {
            VirtualHost = options.RabbitVirtualHost,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(1),
            ClientProvidedName = "chaos-department",
        };
        _connection = await factory.CreateConnectionAsync(options.RabbitNodes);
        _channel = await _connection.CreateChannelAsync();
        await _channel.ExchangeDeclareAsync("socialcare.topic", ExchangeType.Topic, durable: true);
        await _channel.QueueDeclareAsync(
            Queue,
            durable: true,
            exclusive: false,
            autoDelete: false,
            arguments: options.Cluster ? new Dictionary<string, object?> { ["x-queue-type"] = "quorum" } : null
        );
        await _channel.QueuePurgeAsync(Queue);
        await _channel.QueueBindAsync(Queue, "socialcare.topic", "*.*.engagement.received");
        await _channel.BasicQosAsync(0, 200, false);
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            var body = JsonNode.Parse(delivery.Body.Span);
            if (
                body?["message"]?["engagementId"]?.GetValue<Guid>() is { } engagement
                && !_received.TryAdd(engagement, System.Diagnostics.Stopwatch.GetTimestamp())
            )
            {
                Interlocked.Increment(ref _duplicates);
            }

            await _channel.BasicAckAsync(delivery.DeliveryTag, false);
        };
        await _channel.BasicConsumeAsync(Queue, autoAck: false, consumer);
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
