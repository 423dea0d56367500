using Microsoft.Extensions.Options;
using SocialCare.Api.Channels.Hooks;
using SocialCare.Api.Channels.Meta;
using SocialCare.Api.Channels.Replies;
using SocialCare.Api.Channels.WhatsApp;
using SocialCare.Api.Channels.X;
using SocialCare.Api.Infrastructure.Messaging;

namespace SocialCare.Api.Channels;

public static class ConnectorsExtensions
{
    public static IServiceCollection AddConnectors(this IServiceCollection services)
    {
        services
            .AddOptions<ConnectorOptions>()
            .BindConfiguration(ConnectorOptions.Section)
            .Validate(
                o =>
                    o.AttemptTimeout > TimeSpan.Zero
                    && o.MaxRetries >= 0
                    && o.BreakAfterFailures >= 2
                    && o.BreakDuration > TimeSpan.Zero
                    && !string.IsNullOrWhiteSpace(o.ReplyQueue),
                "Connectors settings are out of range."
            )
            .ValidateOnStart();
        services.ConfigureSwaggerGen(HookSecurityOperationFilter.AddSchemes);
        services.AddSingleton<IChannelConnector, WhatsAppConnector>();
        services.AddSingleton<IChannelConnector>(new MetaMessagingConnector(MetaMessagingConnector.MessengerProfile));
        services.AddSingleton<IChannelConnector>(new MetaMessagingConnector(MetaMessagingConnector.InstagramProfile));
        services.AddSingleton<IChannelConnector, XConnector>();
        services.AddSingleton<ConnectorRegistry>();
        services.AddSingleton<IThreadLookup, ThreadLookup>();
        services.AddSingleton<ReplyProgressRecorder>();
        services.AddSingleton<PlatformCalls>();
        services.AddBusContribution(new ReplyEndpoint());
        services.AddKeyedSingleton(
            ConnectorOptions.Targets,
            (sp, _) =>
                new Infrastructure.Outbound.OutboundRule(
                    "API base URL",
                    "Connectors:AllowPrivateTargets",
                    () => sp.GetRequiredService<IOptionsMonitor<ConnectorOptions>>().CurrentValue.AllowPrivateTargets
                )
        );
        services
            .AddHttpClient(PlatformCalls.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(10),
                // The token goes wherever the connection goes: every connection is checked, not only the saved URL.
                ConnectCallback = Infrastructure.Outbound.OutboundTargets.Connect(
                    sp.GetRequiredKeyedService<Infrastructure.Outbound.OutboundRule>(ConnectorOptions.Targets)
                ),
            });
        return services;
    }
}
