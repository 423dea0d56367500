using System.Diagnostics;
using System.Text;
using RabbitMQ.Client;

namespace SocialCare.Benchmarks;

/// <summary>
/// The broker's floor to compare the relay with: plain RabbitMQ.Client publishing persistent messages of an event's
/// size to a durable topic exchange bound to a durable queue, with publisher confirms, in windows of 500 awaited
/// together (the relay's batch) — no PostgreSQL, no MassTransit, no serialisation. Exchange and queue are its own and
/// deleted afterwards.
/// </summary>
internal static class RabbitBaseline
{
    private const int Window = 500;

    public static async Task<double> RunAsync(string host, int port, int seconds)
    {
        var name = $"socialcare-bench-raw-{Guid.NewGuid():N}";
        var factory = new ConnectionFactory
        {
            HostName = host,
            Port = port,
            VirtualHost = Environment.GetEnvironmentVariable("RabbitMq__VirtualHost") ?? "/",
        };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)
        );
        await channel.ExchangeDeclareAsync(name, ExchangeType.Topic, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(name, name, "#");
        // About the size of the relay's messages: a MassTransit envelope around an engagement.received event.
        var body = Encoding.UTF8.GetBytes(
            "{\"message\":{\"text\":\"Order is late 😡 — طلبي متأخر\",\"padding\":\"" + new string('x', 1400) + "\"}}"
        );
        var properties = new BasicProperties { Persistent = true, ContentType = "application/vnd.masstransit+json" };
        try
        {
            var published = 0;
            var clock = Stopwatch.StartNew();
            var end = TimeSpan.FromSeconds(seconds);
            while (clock.Elapsed < end)
            {
                var window = new List<Task>(Window);
                for (var i = 0; i < Window; i++)
                {
                    window.Add(
                        channel
                            .BasicPublishAsync(name, "engagement.received", mandatory: false, properties, body)
                            .AsTask()
                    );
                }

                await Task.WhenAll(window);
                published += Window;
            }

            return published / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            await channel.QueueDeleteAsync(name);
            await channel.ExchangeDeleteAsync(name);
        }
    }
}
