using Marten;
using SocialCare.Api.EventLog.Changefeed;
using SocialCare.Api.EventLog.Relay;

namespace SocialCare.Api.EventLog;

public static class EventLogExtensions
{
    /// <summary>
    /// The event log: Marten's event store (<see cref="MartenEventStore"/>), the unit of work every feature appends
    /// through, the relay that publishes its events to RabbitMQ in order, the wake-up that tells readers a commit
    /// happened, and the changefeed and its live tail.
    /// </summary>
    public static IServiceCollection AddEventLog(this IServiceCollection services)
    {
        services
            .AddOptions<RelayOptions>()
            .BindConfiguration(RelayOptions.Section)
            .Validate(
                o => o.BatchSize > 0 && o.PollIntervalMs > 0 && o.LeaderRetryMs > 0,
                "Relay settings must be positive."
            )
            .Validate(
                o => o.PublishTimeout > TimeSpan.Zero && o.StalledPublishTimeout >= o.PublishTimeout,
                "Relay:PublishTimeout must be positive, and Relay:StalledPublishTimeout at least as long."
            )
            .ValidateOnStart();
        services.AddMarten(MartenEventStore.Configure).UseNpgsqlDataSource();
        services.AddSingleton<EventStore>();
        services.AddHostedService<EventRelay>();
        services.AddSingleton<SequencedSignal>();
        services.AddHostedService(sp => sp.GetRequiredService<SequencedSignal>());
        return services.AddChangefeed();
    }
}
