using System.Net;
using System.Net.Http.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Infrastructure;

/// <summary>
/// Past one machine (issue 21, point 7): <c>RabbitMq:QueueType=quorum</c> declares the hub's own queues as quorum
/// queues, which RabbitMQ replicates across a cluster; the hub works through them as through classic ones.
/// </summary>
public sealed class Quorum_queues
{
    [Test]
    public async Task The_hubs_own_queues_are_declared_as_quorum_queues_and_deliver()
    {
        var fanOut = $"socialcare-webhooks-quorum-{Guid.NewGuid():N}";
        var replies = $"socialcare-replies-quorum-{Guid.NewGuid():N}";
        var factory = new ConnectionFactory
        {
            HostName = TestEnvironment.RabbitHost,
            Port = TestEnvironment.RabbitPort,
            VirtualHost = TestEnvironment.RabbitVirtualHost,
        };
        await using var connection = await factory.CreateConnectionAsync();
        try
        {
            await using (
                var hub = await new HubFactory(
                    new Dictionary<string, string?>
                    {
                        ["RabbitMq:QueueType"] = "quorum",
                        ["Webhooks:FanOutQueue"] = fanOut,
                        ["Webhooks:FanOutQueueTemporary"] = "false",
                        ["Connectors:ReplyQueue"] = replies,
                        ["Connectors:ReplyQueueTemporary"] = "false",
                        ["Webhooks:AllowPrivateTargets"] = "true",
                    }
                ).StartAsync()
            )
            {
                var (_, client) = await hub.CreateTenantAsync("quorum");
                using var _ = client;
                await using var receiver = await WebhookReceiver.StartAsync();
                await HubApi.ReadJson(
                    await client.PostAsJsonAsync(
                        "/v1/subscriptions",
                        new { url = receiver.Url(), eventTypes = new[] { "engagement.received" } }
                    ),
                    HttpStatusCode.Created
                );
                var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
                await client.IngestAsync(HubApi.Engagement(channel, "quorum-1", "971500000801", "مرحبا 👋"));
                await receiver.WaitForAsync(_ => true, 1);
            }

            foreach (var queue in new[] { fanOut, replies })
            {
                // A classic declaration of the same queue is refused: it exists, as a quorum queue.
                await using var channel = await connection.CreateChannelAsync();
                var refused = Assert.ThrowsAsync<OperationInterruptedException>(async () =>
                    await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false)
                );
                Assert.That(refused!.ShutdownReason?.ReplyText, Does.Contain("x-queue-type"), queue);
            }
        }
        finally
        {
            await using var cleanup = await connection.CreateChannelAsync();
            foreach (var queue in new[] { fanOut, replies })
            {
                await cleanup.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
                await cleanup.ExchangeDeleteAsync(queue);
            }
        }
    }
}
