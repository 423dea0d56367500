using MassTransit;
using Microsoft.Extensions.Options;
using SocialCare.Api.Infrastructure.Messaging;

namespace SocialCare.Api.Channels.Replies;

/// <summary>The reply dispatcher's queue (<see cref="ConnectorOptions.ReplyQueue"/>), bound to the reply.requested
/// exchange.</summary>
public sealed class ReplyEndpoint : IBusContribution
{
    public void AddConsumers(IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<ReplyDispatcher>().ExcludeFromConfigureEndpoints();

    public void ConfigureEndpoints(IRabbitMqBusFactoryConfigurator rabbit, IBusRegistrationContext context)
    {
        var options = context.GetRequiredService<IOptions<ConnectorOptions>>().Value;
        rabbit.ReceiveEndpoint(
            options.ReplyQueue,
            endpoint =>
            {
                if (options.ReplyQueueTemporary)
                {
                    endpoint.Durable = false;
                    endpoint.AutoDelete = true;
                }

                endpoint.UseMessageRetry(retry =>
                    retry.Exponential(
                        10,
                        TimeSpan.FromMilliseconds(200),
                        TimeSpan.FromMinutes(2),
                        TimeSpan.FromMilliseconds(500)
                    )
                );
                endpoint.ConfigureConsumer<ReplyDispatcher>(context);
            }
        );
    }
}
