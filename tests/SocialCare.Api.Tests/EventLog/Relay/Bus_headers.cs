using System.Text;
using System.Text.Json.Nodes;
using RabbitMQ.Client;
using SocialCare.Api.EventLog;
using SocialCare.Api.EventLog.Relay;
using SocialCare.Api.Infrastructure.Messaging;
using SocialCare.Api.Tests.Contracts;
using SocialCare.Api.Tests.Support;
using SocialCare.Contracts;

namespace SocialCare.Api.Tests.EventLog.Relay;

/// <summary>
/// A consumer in any language reads what an event is from the AMQP headers (CloudEvents AMQP binding names), without
/// parsing MassTransit's <c>urn:message:</c> types or the body.
/// </summary>
public sealed class Bus_headers
{
    [Test]
    public async Task Every_published_event_carries_its_type_id_source_subject_and_time_in_amqp_headers()
    {
        await using var tap = await RabbitTap.BindAsync(HubEntityNameFormatter.AllEventsExchange);
        await using var hub = await new HubFactory().StartAsync();
        var (workspaceId, client) = await hub.CreateTenantAsync("bus headers");
        using (client)
        {
            var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
            var ids = await client.IngestAsync(HubApi.Engagement(channel, "wamid.headers", "447700900124", "Hello"));
            await tap.WaitForAsync(workspaceId, 3);

            var deliveries = tap
                .Deliveries.Where(d => d.Envelope["message"]!["workspaceId"]!.GetValue<Guid>() == workspaceId)
                .ToList();
            var types = deliveries.Select(d => Header(d.Properties, BusHeaders.Type)).ToList();
            Assert.That(
                types,
                Is.SupersetOf(new[] { EventTypes.CustomerCreated, EventTypes.ConversationOpened })
                    .And.Contains(EventTypes.EngagementReceived)
            );
            Assert.Multiple(() =>
            {
                foreach (var (envelope, properties) in deliveries)
                {
                    AssertHeadersDescribe(envelope, properties, workspaceId);
                }

                var received = deliveries.Single(d =>
                    Header(d.Properties, BusHeaders.Type) == EventTypes.EngagementReceived
                );
                Assert.That(
                    Header(received.Properties, BusHeaders.Subject),
                    Is.EqualTo(ids["conversationId"]!.GetValue<Guid>().ToString()),
                    "the subject of a conversation's event is the conversation"
                );
            });
        }
    }

    private static void AssertHeadersDescribe(JsonNode envelope, IReadOnlyBasicProperties properties, Guid workspace)
    {
        var message = envelope["message"]!;
        var type = Header(properties, BusHeaders.Type);
        Assert.That(EventTypeRegistry.TryGetType(type, out var contract), Is.True, $"{type} is a registered type");
        Assert.That(
            envelope["messageType"]!.AsArray().Select(t => t!.GetValue<string>()),
            Is.EqualTo(AsyncApiMessages.MessageTypes(contract)),
            "the type header names the event MassTransit published"
        );
        Assert.That(
            envelope.AsObject().Select(m => m.Key),
            Is.SubsetOf(AsyncApiMessages.Envelope.Keys),
            "contracts/asyncapi.json describes every member of the envelope"
        );
        var eventId = message["eventId"]!.GetValue<Guid>().ToString();
        Assert.That(Header(properties, BusHeaders.Id), Is.EqualTo(eventId));
        Assert.That(properties.MessageId, Is.EqualTo(eventId), "the AMQP message-id is the event id too");
        Assert.That(Header(properties, BusHeaders.SpecVersion), Is.EqualTo("1.0"));
        Assert.That(Header(properties, BusHeaders.Source), Is.EqualTo($"/v1/workspaces/{workspace}"));
        Assert.That(Header(properties, BusHeaders.WorkspaceId), Is.EqualTo(workspace.ToString()));
        Assert.That(
            DateTimeOffset.Parse(
                Header(properties, BusHeaders.Time),
                System.Globalization.CultureInfo.InvariantCulture
            ),
            Is.EqualTo(message["recordedAt"]!.GetValue<DateTimeOffset>())
        );
        Assert.That(properties.Headers![BusHeaders.Sequence], Is.EqualTo(message["sequence"]!.GetValue<long>()));
        Assert.That(properties.ContentType, Is.EqualTo(AsyncApiMessages.ContentType));
        Assert.That(properties.DeliveryMode, Is.EqualTo(DeliveryModes.Persistent));
    }

    /// <summary>A string header as any AMQP 0-9-1 client sees it: UTF-8 bytes.</summary>
    private static string Header(IReadOnlyBasicProperties properties, string name) =>
        properties.Headers?.TryGetValue(name, out var value) == true && value is byte[] bytes
            ? Encoding.UTF8.GetString(bytes)
            : throw new AssertionException($"no string header {name}");
}
