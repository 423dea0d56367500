using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Kiota.Abstractions.Serialization;
using SocialCare.Client;
using SocialCare.Client.Models;
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
        // The hub's API through the generated client (contracts/SocialCare.Client), sending with the named HttpClient.
        builder.Services.AddHttpClient(HubClientName);
        builder.Services.AddTransient(services =>
            SocialCareClientFactory.Create(
                new Uri(options.HubUrl),
                options.ApiKey,
                services.GetRequiredService<IHttpClientFactory>().CreateClient(HubClientName)
            )
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
            async (InboundChat message, SocialCareClient hub, ChatLog log, CancellationToken ct) =>
            {
                var at = DateTimeOffset.UtcNow;
                log.Add(new ChatMessage(message.MessageId, message.UserId, message.Text, "in", at));
                var engagement = new IngestEngagementRequest
                {
                    ChannelId = options.ChannelId,
                    PlatformMessageId = message.MessageId,
                    Author = new AuthorRequest { PlatformUserId = message.UserId, DisplayName = message.Name },
                    Text = message.Text,
                    Visibility = IngestEngagementRequest_visibility.Private,
                    OccurredAt = at,
                };
                try
                {
                    // Taken, new or a retry the hub knew by its message id (the client does not tell 200 from 202).
                    var accepted = await hub.V1.Engagements.PostAsync(engagement, cancellationToken: ct);
                    return Results.Content(
                        await KiotaJsonSerializer.SerializeAsStringAsync(
                            accepted!,
                            serializeOnlyChangedValues: false,
                            ct
                        ),
                        "application/json",
                        statusCode: StatusCodes.Status202Accepted
                    );
                }
                catch (Problem problem)
                {
                    // Refused: the hub's problem, passed on as it came.
                    return Results.Content(
                        await KiotaJsonSerializer.SerializeAsStringAsync(
                            problem,
                            serializeOnlyChangedValues: false,
                            ct
                        ),
                        "application/problem+json",
                        statusCode: problem.ResponseStatusCode
                    );
                }
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
    SocialCareClient hub,
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

        foreach (var status in new[] { ReplyStatusRequest_status.Sent, ReplyStatusRequest_status.Delivered })
        {
            await hub
                .V1.Replies[reply.ReplyId]
                .Status.PostAsync(
                    new ReplyStatusRequest
                    {
                        Status = status,
                        PlatformMessageId = messageId,
                        OccurredAt = DateTimeOffset.UtcNow,
                    },
                    cancellationToken: context.CancellationToken
                );
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "[partner] app-chat reply delivered to {User}: {Text}")]
    private static partial void LogSent(ILogger logger, string user, string text);
}
