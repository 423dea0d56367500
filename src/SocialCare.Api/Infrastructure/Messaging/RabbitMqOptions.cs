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
