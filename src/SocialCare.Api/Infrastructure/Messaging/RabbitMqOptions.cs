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
