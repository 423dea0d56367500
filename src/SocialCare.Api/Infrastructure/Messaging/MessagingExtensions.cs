using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SocialCare.Api.Infrastructure.Health;
using SocialCare.Api.Infrastructure.Relay;

namespace SocialCare.Api.Infrastructure.Messaging;

public static class MessagingExtensions
{
    /// <summary>
    /// MassTransit over RabbitMQ (its bus health check is the "rabbitmq" entry of /health/ready), the event
    /// store, and the relay that publishes the store's events.
    /// </summary>
    public static IServiceCollection AddMessaging(this IServiceCollection services)
    {
        services.AddOptions<RabbitMqOptions>().BindConfiguration(RabbitMqOptions.Section)
            .Validate(o => !string.IsNullOrWhiteSpace(o.Host) && o.Port is > 0 and < 65536, "RabbitMq:Host and RabbitMq:Port must be set.")
            .ValidateOnStart();
        services.AddSingleton<BusReadiness>();
        services.AddBusObserver(sp => sp.GetRequiredService<BusReadiness>());
        services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            foreach (var consumer in Subscriptions.WebhookFanOutEndpoint.ConsumerTypes)
            {
                bus.AddConsumer(consumer).ExcludeFromConfigureEndpoints();
            }

            bus.AddConsumer<Connectors.ReplyDispatcher>().ExcludeFromConfigureEndpoints();
            bus.ConfigureHealthCheckOptions(health =>
            {
                health.Name = "rabbitmq";
                health.MinimalFailureStatus = HealthStatus.Unhealthy;
                health.Tags.Add(HealthExtensions.ReadyTag);
            });
            bus.UsingRabbitMq((context, rabbit) =>
            {
                var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                rabbit.Host(options.Host, (ushort)options.Port, options.VirtualHost, host =>
                {
                    host.Username(options.Username);
                    host.Password(options.Password);
                });
                rabbit.MessageTopology.SetEntityNameFormatter(new HubEntityNameFormatter(rabbit.MessageTopology.EntityNameFormatter));
                Subscriptions.WebhookFanOutEndpoint.Configure(rabbit, context);
                Connectors.ConnectorsExtensions.ConfigureReplyEndpoint(rabbit, context);
                rabbit.ConfigureEndpoints(context);
            });
        });
        services.AddOptions<RelayOptions>().BindConfiguration(RelayOptions.Section)
            .Validate(o => o.BatchSize > 0 && o.PollIntervalMs > 0 && o.LeaderRetryMs > 0, "Relay settings must be positive.")
            .ValidateOnStart();
        services.AddHostedService<EventRelay>();
        services.AddSingleton<SequencedSignal>();
        services.AddHostedService(sp => sp.GetRequiredService<SequencedSignal>());
        services.AddSingleton<EventStore.EventStore>();
        return services;
    }
}
