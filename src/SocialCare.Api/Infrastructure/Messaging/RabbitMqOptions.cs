namespace SocialCare.Api.Infrastructure.Messaging;

/// <summary>The broker (configuration section <c>RabbitMq</c>, environment <c>RabbitMq__Host</c> …).</summary>
public sealed class RabbitMqOptions
{
    public const string Section = "RabbitMq";

    public string Host { get; set; } = "127.0.0.1";
    public int Port { get; set; } = 5672;
    public string VirtualHost { get; set; } = "/";
    public string Username { get; set; } = "guest";
    public string Password { get; set; } = "guest";

    /// <summary>Further nodes of the broker's cluster (<c>host</c> or <c>host:port</c>), tried in turn after
    /// <see cref="Host"/> when connecting: the hub reconnects to another node when one goes away.</summary>
    public List<string> Hosts { get; set; } = [];

    /// <summary>How the hub's own queues (the webhook fan-out, the reply dispatcher) are declared: <c>classic</c>, or
    /// <c>quorum</c> — replicated across a cluster's nodes, surviving the loss of a minority of them. A queue cannot
    /// change type once declared: delete it (drained) before switching.</summary>
    public string QueueType { get; set; } = QueueTypes.Classic;

    /// <summary>The values of <see cref="QueueType"/>.</summary>
    public static class QueueTypes
    {
        public const string Classic = "classic";
        public const string Quorum = "quorum";

        public static readonly IReadOnlyList<string> All = [Classic, Quorum];
    }

    /// <summary>Every node to connect to, <see cref="Host"/> first, as RabbitMQ.Client takes them.</summary>
    public IReadOnlyList<RabbitMQ.Client.AmqpTcpEndpoint> Endpoints() =>
        [
            new(Host, Port),
            .. Hosts.Select(node =>
                node.Split(':') is [var host, var port]
                    ? new RabbitMQ.Client.AmqpTcpEndpoint(
                        host,
                        int.Parse(port, System.Globalization.CultureInfo.InvariantCulture)
                    )
                    : new RabbitMQ.Client.AmqpTcpEndpoint(node, Port)
            ),
        ];

    /// <summary>How a message on one of the hub's own queues is retried before it becomes a dead letter.</summary>
    public RetryOptions Retry { get; set; } = new();

    /// <summary>Exponential retries in the consumer (<c>RabbitMq:Retry:…</c>).</summary>
    public sealed class RetryOptions
    {
        /// <summary>Retries after the first attempt; 0: none.</summary>
        public int Limit { get; set; } = 10;

        public TimeSpan MinInterval { get; set; } = TimeSpan.FromMilliseconds(100);

        public TimeSpan MaxInterval { get; set; } = TimeSpan.FromMinutes(2);

        public TimeSpan IntervalDelta { get; set; } = TimeSpan.FromMilliseconds(500);
    }

    /// <summary>A plain RabbitMQ.Client connection factory for this broker, for what the hub does beside MassTransit
    /// (topology, probes), its connections named <paramref name="clientName"/> in the management UI.</summary>
    public RabbitMQ.Client.ConnectionFactory ConnectionFactory(string clientName) =>
        new()
        {
            HostName = Host,
            Port = Port,
            VirtualHost = VirtualHost,
            UserName = Username,
            Password = Password,
            ClientProvidedName = clientName,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
        };
}
