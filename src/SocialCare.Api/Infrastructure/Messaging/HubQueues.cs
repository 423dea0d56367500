using MassTransit;
using Microsoft.Extensions.Options;

namespace SocialCare.Api.Infrastructure.Messaging;

/// <summary>
/// What every queue of the hub's own (the webhook fan-out, the reply dispatcher) shares: its type
/// (<see cref="RabbitMqOptions.QueueType"/>; a temporary queue, for tests, is always classic), its retries
/// (<see cref="RabbitMqOptions.Retry"/>), and what happens after the last one — the message is stored as a dead letter
/// in PostgreSQL (<see cref="EventLog.DeadLetters.QueueDeadLetterFilter"/>) rather than moved to an <c>_error</c>
/// queue, so an operator lists and redrives it through the admin API.
/// </summary>
public static class HubQueues
{
    public static void Configure(
        IRabbitMqReceiveEndpointConfigurator endpoint,
        IBusRegistrationContext context,
        string queue,
        bool temporary
    )
    {
        var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
        if (temporary)
        {
            endpoint.Durable = false;
            endpoint.AutoDelete = true;
        }
        else if (options.QueueType == RabbitMqOptions.QueueTypes.Quorum)
        {
            // Replicated on every node of the cluster (as many as it has, up to its default of five).
            endpoint.SetQuorumQueue();
        }

        var retry = options.Retry;
        endpoint.UseMessageRetry(r =>
        {
            if (retry.Limit > 0)
            {
                r.Exponential(retry.Limit, retry.MinInterval, retry.MaxInterval, retry.IntervalDelta);
            }
            else
            {
                r.None();
            }
        });
        var deadLetters = context.GetRequiredService<EventLog.DeadLetters.DeadLetterStore>();
        endpoint.ConfigureError(error =>
            error.UseFilter(new EventLog.DeadLetters.QueueDeadLetterFilter(deadLetters, queue))
        );
    }
}
