using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SocialCare.Api.Infrastructure.Health;

namespace SocialCare.Api.Infrastructure.Messaging;

public static class MessagingExtensions
{
    /// <summary>
    /// MassTransit over RabbitMQ (its bus health check is the "rabbitmq" entry of /health/ready), with the consumers
    /// and receive endpoints every feature contributed (<see cref="IBusContribution"/>): call it after the features.
    /// </summary>
    public static IServiceCollection AddMessaging(this IServiceCollection services)
    {
        var contributions = services.Contributions();
        services
            .AddOptions<RabbitMqOptions>()
            .BindConfiguration(RabbitMqOptions.Section)
            .Validate(
                o => !string.IsNullOrWhiteSpace(o.Host) && o.Port is > 0 and < 65536,
                "RabbitMq:Host and RabbitMq:Port must be set."
            )
            .Validate(
                o => RabbitMqOptions.QueueTypes.All.Contains(o.QueueType),
                "RabbitMq:QueueType must be classic or quorum."
            )
            .Validate(o => o.Hosts.All(IsNode), "RabbitMq:Hosts are host or host:port.")
            .ValidateOnStart();
        services.AddSingleton<BusReadiness>();
        services.AddBusObserver(sp => sp.GetRequiredService<BusReadiness>());
        services.AddSingleton<BrokerRecovery>();
        services.AddHostedService(sp => sp.GetRequiredService<BrokerRecovery>());
        services.AddReceiveEndpointObserver(sp => sp.GetRequiredService<BrokerRecovery>());
        services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            foreach (var contribution in contributions)
            {
                contribution.AddConsumers(bus);
            }

            bus.ConfigureHealthCheckOptions(health =>
            {
                health.Name = "rabbitmq";
                health.MinimalFailureStatus = HealthStatus.Unhealthy;
                health.Tags.Add(HealthExtensions.ReadyTag);
            });
            bus.UsingRabbitMq(
                (context, rabbit) =>
                {
                    var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                    rabbit.Host(
                        options.Host,
                        (ushort)options.Port,
                        options.VirtualHost,
                        host =>
                        {
                            host.Username(options.Username);
                            host.Password(options.Password);
                            if (options.Hosts.Count > 0)
                            {
                                // MassTransit tries the nodes in turn, one per connection attempt.
                                host.UseCluster(cluster =>
                                {
                                    cluster.Node($"{options.Host}:{options.Port}");
                                    foreach (var node in options.Hosts)
                                    {
                                        cluster.Node(node);
                                    }
                                });
                            }
                        }
                    );
                    rabbit.MessageTopology.SetEntityNameFormatter(
                        new HubEntityNameFormatter(rabbit.MessageTopology.EntityNameFormatter)
                    );
                    foreach (var contribution in contributions)
                    {
                        contribution.ConfigureEndpoints(rabbit, context);
                    }

                    rabbit.ConfigureEndpoints(context);
                }
            );
        });
        return services;
    }

    /// <summary>A cluster node as <c>RabbitMq:Hosts</c> takes it: <c>host</c> or <c>host:port</c>.</summary>
    private static bool IsNode(string node) =>
        node.Split(':') switch
        {
            [{ Length: > 0 }] => true,
            [{ Length: > 0 }, var port] => int.TryParse(port, out var number) && number is > 0 and < 65536,
            _ => false,
        };
}
