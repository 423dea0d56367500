using MassTransit;
using SocialCare.Api.EventLog;

namespace SocialCare.Api.Webhooks.Scheduling;

/// <summary>
/// One durable queue (<see cref="WebhookOptions.FanOutQueue"/>), bound to every event type's exchange, with a fan-out
/// consumer per type. Competing consumers across hub instances; a failing database is retried with backoff before a
/// message is parked in <c>socialcare-webhooks_error</c> (from where it can be moved back).
/// </summary>
public sealed class WebhookFanOutEndpoint : Infrastructure.Messaging.IBusContribution
{
    private static readonly IReadOnlyList<Type> ConsumerTypes = EventTypeRegistry
        .All.Values.Select(t => typeof(WebhookFanOut<>).MakeGenericType(t))
        .ToList();

    public void AddConsumers(IBusRegistrationConfigurator bus)
    {
        foreach (var consumer in ConsumerTypes)
        {
            bus.AddConsumer(consumer).ExcludeFromConfigureEndpoints();
        }
    }

    public void ConfigureEndpoints(IRabbitMqBusFactoryConfigurator rabbit, IBusRegistrationContext context)
    {
        var options = context.GetRequiredService<Microsoft.Extensions.Options.IOptions<WebhookOptions>>().Value;
        rabbit.ReceiveEndpoint(
            options.FanOutQueue,
            endpoint =>
            {
                Infrastructure.Messaging.HubQueues.Configure(
                    endpoint,
                    context,
                    options.FanOutQueue,
                    options.FanOutQueueTemporary
                );
                // Events fanned out at the same moment share one insert (DeliveryInserts): let enough of them be in
                // flight.
                endpoint.PrefetchCount = 64;
                foreach (var consumer in ConsumerTypes)
                {
                    endpoint.ConfigureConsumer(context, consumer);
                }
            }
        );
    }
}
