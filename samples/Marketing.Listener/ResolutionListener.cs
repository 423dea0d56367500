using System.Globalization;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using SocialCare.Client;
using SocialCare.Client.Models;

namespace Marketing.Listener;

public sealed class ListenerOptions
{
    public string RabbitHost { get; set; } = "127.0.0.1";
    public int RabbitPort { get; set; } = 55672;
    public string VirtualHost { get; set; } = "/";

    /// <summary>Marketing's own durable queue, bound to the hub's conversation.resolved exchange.</summary>
    public string Queue { get; set; } = "marketing.resolutions";

    /// <summary>For throwaway runs (tests): a queue deleted when the listener stops.</summary>
    public bool TemporaryQueue { get; set; }
    public string? HubUrl { get; set; }
    public string? ApiKey { get; set; }
}

/// <summary>
/// Marketing's listener, in plain RabbitMQ.Client: its own durable queue bound to the hub's
/// <c>socialcare.conversation.resolved</c> fanout exchange; one line per resolved conversation with its channel
/// and time-to-resolve. With a hub key it also tags the conversation <c>survey-queued</c> (its satisfaction survey
/// goes out from marketing's own tools).
/// </summary>
public sealed class ResolutionListener(ListenerOptions options, SocialCareClient? hub, Action<string> print)
{
    public const string Exchange = "socialcare.conversation.resolved";
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the queue is bound and consumed from: resolutions from then on are heard.</summary>
    public Task Ready => _ready.Task;

    public async Task RunAsync(CancellationToken stop)
    {
        var factory = new ConnectionFactory
        {
            HostName = options.RabbitHost,
            Port = options.RabbitPort,
            VirtualHost = options.VirtualHost,
        };
        await using var connection = await factory.CreateConnectionAsync(stop);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: stop);
        await channel.ExchangeDeclareAsync(Exchange, ExchangeType.Fanout, durable: true, cancellationToken: stop);
        await channel.QueueDeclareAsync(
            options.Queue,
            durable: !options.TemporaryQueue,
            exclusive: false,
            autoDelete: options.TemporaryQueue,
            cancellationToken: stop
        );
        await channel.QueueBindAsync(options.Queue, Exchange, string.Empty, cancellationToken: stop);
        await channel.BasicQosAsync(0, 16, false, stop);
        var seen = new HashSet<Guid>();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            // The hub's messages are MassTransit envelopes: the event is in "message" (docs/events.md).
            using var json = JsonDocument.Parse(delivery.Body);
            var e = json.RootElement.GetProperty("message");
            var eventId = e.GetProperty("eventId").GetGuid();
            if (seen.Add(eventId))
            {
                var conversationId = e.GetProperty("conversationId").GetGuid();
                var channelType =
                    e.TryGetProperty("channelType", out var type) && type.ValueKind == JsonValueKind.String
                        ? type.GetString()
                        : "unknown";
                var took = TimeSpan.FromSeconds(e.GetProperty("timeToResolveSeconds").GetDouble());
                print(
                    $"[marketing] conversation {conversationId} resolved on {channelType} after {Describe(took)} "
                        + $"(brand {e.GetProperty("brand").GetString()})"
                );
                if (hub is not null)
                {
                    await TagAsync(conversationId, eventId, stop);
                }
            }

            await channel.BasicAckAsync(delivery.DeliveryTag, false, stop);
        };
        await channel.BasicConsumeAsync(options.Queue, autoAck: false, consumer, stop);
        _ready.TrySetResult();
        try
        {
            await Task.Delay(Timeout.Infinite, stop);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task TagAsync(Guid conversationId, Guid eventId, CancellationToken stop)
    {
        try
        {
            await hub!
                .V1.Conversations[conversationId]
                .Tags.PostAsync(
                    new TagsRequest { Add = ["survey-queued"] },
                    r => r.WithIdempotencyKey($"marketing-{eventId}"),
                    stop
                );
        }
        catch (Problem problem) when (problem.ResponseStatusCode == 404)
        {
            // Another workspace's conversation (a shared broker): not ours to tag.
        }
    }

    public static string Describe(TimeSpan took) =>
        took.TotalMinutes < 1 ? $"{took.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s"
        : took.TotalHours < 1 ? $"{took.TotalMinutes.ToString("0", CultureInfo.InvariantCulture)} min"
        : $"{took.TotalHours.ToString("0.0", CultureInfo.InvariantCulture)} h";
}
