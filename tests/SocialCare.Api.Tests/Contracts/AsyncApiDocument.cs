using System.Reflection;
using System.Text.Json.Nodes;
using MassTransit;
using MassTransit.RabbitMqTransport.Topology;
using SocialCare.Api.EventLog;
using SocialCare.Api.Infrastructure.Messaging;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Contracts;

/// <summary>
/// Builds contracts/asyncapi.json (AsyncAPI 3.0) from the code: the event types of <see cref="EventTypeRegistry"/>,
/// and the exchanges and exchange-to-exchange bindings the running bus's publish topology declares for each of them
/// (so a renamed exchange or a new base type shows up here). Operations are written from the hub's side: it
/// <c>send</c>s; a consumer receives by binding a queue of its own (the info description says how).
/// </summary>
internal static class AsyncApiDocument
{
    public const string BindingVersion = "0.3.0";

    /// <summary>An exchange the hub publishes to, and the event types that reach it.</summary>
    private sealed record Channel(Exchange Exchange, List<string> Types, SortedSet<string> BoundTo);

    private sealed record DeclaredExchange(string ExchangeName, string ExchangeType) : Exchange
    {
        public bool Durable => true;

        public bool AutoDelete => false;

        public IDictionary<string, object> ExchangeArguments { get; } = new Dictionary<string, object>();
    }

    /// <summary>The topic exchange the hub declares itself (<see cref="TopicExchange"/>), bound into from
    /// <c>socialcare.events</c>: every type.</summary>
    private static Channel Topic() =>
        new(
            new DeclaredExchange(TopicExchange.Name, "topic"),
            [.. EventTypeRegistry.Names.Order(StringComparer.Ordinal)],
            []
        );

    public static JsonObject Build(IBus bus, JsonNode openApi)
    {
        var channels = new SortedDictionary<string, Channel>(StringComparer.Ordinal);
        foreach (var type in EventTypeRegistry.Names.Order(StringComparer.Ordinal))
        {
            var topology = PublishTopology(bus, EventTypeRegistry.All[type]);
            foreach (var exchange in topology.Exchanges)
            {
                var channel = channels.TryGetValue(exchange.ExchangeName, out var known)
                    ? known
                    : channels[exchange.ExchangeName] = new Channel(exchange, [], []);
                channel.Types.Add(type);
            }

            foreach (var binding in topology.ExchangeBindings)
            {
                channels[binding.Source.ExchangeName].BoundTo.Add(binding.Destination.ExchangeName);
            }
        }

        channels[TopicExchange.Name] = Topic();
        channels[HubEntityNameFormatter.AllEventsExchange].BoundTo.Add(TopicExchange.Name);
        return new JsonObject
        {
            ["asyncapi"] = "3.0.0",
            ["id"] = "urn:socialcare:hub:bus",
            ["info"] = Info(openApi),
            ["servers"] = Servers(),
            ["defaultContentType"] = AsyncApiMessages.ContentType,
            ["channels"] = new JsonObject(
                channels.Select(c => KeyValuePair.Create<string, JsonNode?>(c.Key, ChannelObject(c.Value)))
            ),
            ["operations"] = new JsonObject(
                channels.Select(c => KeyValuePair.Create<string, JsonNode?>($"{c.Key}.send", Operation(c.Value)))
            ),
            ["components"] = AsyncApiMessages.Components(),
        };
    }

    private static JsonObject Info(JsonNode openApi) =>
        new()
        {
            ["title"] = "SocialCare Hub events on RabbitMQ",
            ["version"] = openApi["info"]!["version"]!.GetValue<string>(),
            ["description"] = AsyncApiText.Info,
            // AsyncAPI's licence object has no SPDX identifier, only the name.
            ["license"] = new JsonObject { ["name"] = openApi["info"]!["license"]!["name"]!.GetValue<string>() },
        };

    private static JsonObject Servers() =>
        new()
        {
            ["rabbitmq"] = new JsonObject
            {
                ["host"] = "{host}:{port}",
                ["protocol"] = "amqp",
                ["protocolVersion"] = "0.9.1",
                ["description"] =
                    "The RabbitMQ broker a hub deployment publishes to (its RabbitMq settings). The virtual host is "
                    + "the deployment's RabbitMq:VirtualHost, \"/\" unless configured.",
                ["variables"] = new JsonObject
                {
                    ["host"] = new JsonObject
                    {
                        ["default"] = new RabbitMqOptions().Host,
                        ["description"] = "The broker's host name (RabbitMq:Host).",
                    },
                    ["port"] = new JsonObject
                    {
                        ["default"] = new RabbitMqOptions().Port.ToString(
                            System.Globalization.CultureInfo.InvariantCulture
                        ),
                        ["description"] = "The broker's AMQP port (RabbitMq:Port).",
                    },
                },
                ["security"] = new JsonArray(new JsonObject { ["$ref"] = "#/components/securitySchemes/userPassword" }),
            },
        };

    private static JsonObject ChannelObject(Channel channel) =>
        new()
        {
            ["address"] = channel.Exchange.ExchangeName,
            ["title"] = channel.Exchange.ExchangeName,
            ["description"] = AsyncApiText.Channel(channel.Exchange.ExchangeName, channel.Types, channel.BoundTo),
            ["servers"] = new JsonArray(new JsonObject { ["$ref"] = "#/servers/rabbitmq" }),
            ["messages"] = new JsonObject(
                channel.Types.Select(t =>
                    KeyValuePair.Create<string, JsonNode?>(
                        t,
                        new JsonObject { ["$ref"] = $"#/components/messages/{t}" }
                    )
                )
            ),
            ["bindings"] = new JsonObject
            {
                ["amqp"] = new JsonObject
                {
                    ["is"] = "routingKey",
                    ["exchange"] = new JsonObject
                    {
                        ["name"] = channel.Exchange.ExchangeName,
                        ["type"] = channel.Exchange.ExchangeType,
                        ["durable"] = channel.Exchange.Durable,
                        ["autoDelete"] = channel.Exchange.AutoDelete,
                        ["vhost"] = new RabbitMqOptions().VirtualHost,
                    },
                    ["bindingVersion"] = BindingVersion,
                },
            },
        };

    private static JsonObject Operation(Channel channel) =>
        new()
        {
            ["action"] = "send",
            ["channel"] = new JsonObject { ["$ref"] = $"#/channels/{channel.Exchange.ExchangeName}" },
            ["title"] = $"Events on {channel.Exchange.ExchangeName}",
            ["summary"] =
                channel.Types.Count == 1
                    ? $"The hub publishes every {channel.Types[0]} event."
                    : $"The hub publishes {channel.Types.Count} event types here.",
            ["description"] = AsyncApiText.Operation,
            ["messages"] = new JsonArray(
                channel
                    .Types.Select(t =>
                        (JsonNode)
                            new JsonObject { ["$ref"] = $"#/channels/{channel.Exchange.ExchangeName}/messages/{t}" }
                    )
                    .ToArray()
            ),
            ["bindings"] = new JsonObject
            {
                ["amqp"] = new JsonObject
                {
                    ["deliveryMode"] = 2,
                    ["mandatory"] = false,
                    ["bindingVersion"] = BindingVersion,
                },
            },
        };

    /// <summary>What the bus declares to publish <paramref name="type"/>: its exchanges and the bindings between
    /// them.</summary>
    private static BrokerTopology PublishTopology(IBus bus, Type type) =>
        (BrokerTopology)
            typeof(AsyncApiDocument)
                .GetMethod(nameof(PublishTopologyOf), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(type)
                .Invoke(null, [bus])!;

    private static BrokerTopology PublishTopologyOf<T>(IBus bus)
        where T : class => ((IRabbitMqMessagePublishTopology<T>)bus.Topology.Publish<T>()).GetBrokerTopology();

    /// <summary>The OpenAPI document checked in beside it, whose version and licence the bus contract shares.</summary>
    public static JsonNode OpenApi() =>
        JsonNode.Parse(File.ReadAllText(CheckedInContracts.Path("openapi", "v1.json")))!;
}
