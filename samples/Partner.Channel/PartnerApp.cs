using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using MassTransit;
using SocialCare.Contracts;

namespace Partner.Channel;

/// <summary>The partner's settings: its channel account in the hub, its key, its queue.</summary>
public sealed class PartnerOptions
{
    public string HubUrl { get; set; } = "http://127.0.0.1:8080";
    public string ApiKey { get; set; } = string.Empty;

    /// <summary>The hub channel account this connector serves (type <c>app-chat</c>).</summary>
    public Guid ChannelId { get; set; }
    public string RabbitHost { get; set; } = "127.0.0.1";
    public int RabbitPort { get; set; } = 55672;
    public string RabbitVirtualHost { get; set; } = "/";
    public string Queue { get; set; } = "partner-appchat.replies";
    public bool TemporaryQueue { get; set; }
}

/// <summary>A message in the app's chat, either way.</summary>
public sealed record ChatMessage(string Id, string UserId, string Text, string Direction, DateTimeOffset At);

public sealed record InboundChat(string UserId, string? Name, string MessageId, string Text);

/// <summary>
/// A partner's connector for the brand's in-app chat, a channel the hub does not speak natively. Inbound: the app's
/// backend posts each customer message here, and it goes to the hub as a generic engagement. Outbound: it consumes
/// <c>reply.requested</c> for its channel account, delivers the reply into the app's chat, and reports
/// <c>sent</c> and <c>delivered</c> through the hub's reply-status API.
/// </summary>
public static class PartnerApp
{
    public const string HubClientName = "hub";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        var options = builder.Configuration.GetSection("Partner").Get<PartnerOptions>() ?? new PartnerOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ChatLog>();
        builder.Services.AddHttpClient(
            HubClientName,
            http =>
            {
                http.BaseAddress = new Uri(options.HubUrl);
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
            }
        );
        builder.Services.AddMassTransit(bus =>
        {
            bus.AddConsumer<ReplySender>();
            bus.UsingRabbitMq(
                (context, rabbit) =>
                {
                    rabbit.Host(
                        options.RabbitHost,
                        (ushort)options.RabbitPort,
                        options.RabbitVirtualHost,
                        host =>
                        {
                            host.Username("guest");
                            host.Password("guest");
                        }
                    );
                    rabbit.Message<ReplyRequested>(m => m.SetEntityName("socialcare." + EventTypes.ReplyRequested));
                    rabbit.ReceiveEndpoint(
                        options.Queue,
                        endpoint =>
                        {
                            endpoint.Durable = !options.TemporaryQueue;
                            endpoint.AutoDelete = options.TemporaryQueue;
                            endpoint.UseMessageRetry(retry => retry.Intervals(200, 1000, 5000));
                            endpoint.ConfigureConsumer<ReplySender>(context);
                        }
                    );
                }
            );
        });
        // Start only once connected and bound: events published from then on reach this app's queue.
        builder.Services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);
        var app = builder.Build();

        app.MapPost(
            "/app-chat/messages",
            async (InboundChat message, IHttpClientFactory clients, ChatLog log, CancellationToken ct) =>
            {
                var at = DateTimeOffset.UtcNow;
                log.Add(new ChatMessage(message.MessageId, message.UserId, message.Text, "in", at));
                using var response = await clients
                    .CreateClient(HubClientName)
                    .PostAsJsonAsync(
                        "/v1/engagements",
                        new
                        {
                            channelId = options.ChannelId,
                            platformMessageId = message.MessageId,
                            author = new { platformUserId = message.UserId, displayName = message.Name },
                            text = message.Text,
                            visibility = "private",
                            occurredAt = at,
                        },
                        ct
                    );
                return Results.Json(
                    await response.Content.ReadFromJsonAsync<JsonNode>(ct),
                    statusCode: (int)response.StatusCode
                );
            }
        );
        app.MapGet("/app-chat/users/{userId}/messages", (string userId, ChatLog log) => log.Of(userId));
        return app;
    }
}

/// <summary>The app's chat as the partner holds it (a real app has its own store).</summary>
public sealed class ChatLog
{
    private readonly ConcurrentQueue<ChatMessage> _messages = new();

    public void Add(ChatMessage message) => _messages.Enqueue(message);

    public IReadOnlyList<ChatMessage> Of(string userId) => _messages.Where(m => m.UserId == userId).ToList();

    public bool Has(string id) => _messages.Any(m => m.Id == id);
}

/// <summary>Delivers the hub's replies into the app's chat and reports progress: at least once, so a redelivered reply
/// is not shown twice.</summary>
public sealed partial class ReplySender(
    PartnerOptions options,
    ChatLog chat,
    IHttpClientFactory clients,
    ILogger<ReplySender> logger
) : IConsumer<ReplyRequested>
{
    public async Task Consume(ConsumeContext<ReplyRequested> context)
    {
        var reply = context.Message;
        if (reply.ChannelId != options.ChannelId)
        {
            return;
        }

        var messageId = $"appchat-{reply.ReplyId:N}";
        if (!chat.Has(messageId))
        {
            chat.Add(
                new ChatMessage(messageId, reply.Recipient, reply.Text ?? string.Empty, "out", DateTimeOffset.UtcNow)
            );
            LogSent(logger, reply.Recipient, reply.Text ?? string.Empty);
        }

        var hub = clients.CreateClient(PartnerApp.HubClientName);
        foreach (var status in new[] { "sent", "delivered" })
        {
            using var response = await hub.PostAsJsonAsync(
                $"/v1/replies/{reply.ReplyId}/status",
                new
                {
                    status,
                    platformMessageId = messageId,
                    occurredAt = DateTimeOffset.UtcNow,
                },
                context.CancellationToken
            );
            response.EnsureSuccessStatusCode();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "[partner] app-chat reply delivered to {User}: {Text}")]
    private static partial void LogSent(ILogger logger, string user, string text);
}
