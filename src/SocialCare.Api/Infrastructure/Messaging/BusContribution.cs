using MassTransit;

namespace SocialCare.Api.Infrastructure.Messaging;

/// <summary>
/// What a feature adds to the bus: its consumers, and the receive endpoints they listen on. Each feature registers its
/// own with <see cref="BusContributionExtensions.AddBusContribution"/>, so the bus's set-up knows no feature.
/// </summary>
public interface IBusContribution
{
    void AddConsumers(IBusRegistrationConfigurator bus);

    void ConfigureEndpoints(IRabbitMqBusFactoryConfigurator rabbit, IBusRegistrationContext context);
}

public static class BusContributionExtensions
{
    /// <summary>Registers <paramref name="contribution"/>; <see cref="MessagingExtensions.AddMessaging"/>, called after
    /// every feature, applies it.</summary>
    public static IServiceCollection AddBusContribution(
        this IServiceCollection services,
        IBusContribution contribution
    ) => services.AddSingleton(contribution);

    internal static IReadOnlyList<IBusContribution> Contributions(this IServiceCollection services) =>
        services
            .Where(d => d.ServiceType == typeof(IBusContribution))
            .Select(d => (IBusContribution)d.ImplementationInstance!)
            .ToList();
}
