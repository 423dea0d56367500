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
                HubQueues.Configure(endpoint, context, options.ReplyQueue, options.ReplyQueueTemporary);
                endpoint.ConfigureConsumer<ReplyDispatcher>(context);
            }
        );
    }
}
