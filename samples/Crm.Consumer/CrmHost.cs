using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using SocialCare.Contracts;

namespace Crm.Consumer;

/// <summary>The CRM's settings: where the hub is, the CRM's own key and queue, and the CRM's own database.</summary>
public sealed class CrmOptions
{
    public string HubUrl { get; set; } = "http://127.0.0.1:8080";
    public string ApiKey { get; set; } = string.Empty;
    public string RabbitHost { get; set; } = "127.0.0.1";
    public int RabbitPort { get; set; } = 55672;
    public string RabbitVirtualHost { get; set; } = "/";

    /// <summary>The CRM's own durable queue: it keeps the hub's events while the CRM is down.</summary>
    public string Queue { get; set; } = "crm.social-events";

    /// <summary>For throwaway runs (tests): a queue deleted when the CRM stops.</summary>
    public bool TemporaryQueue { get; set; }
    public string Database { get; set; } = "Host=127.0.0.1;Port=55432;Username=postgres;Database=crm";
}

/// <summary>
/// The CRM worker: consumes the hub's events from RabbitMQ through MassTransit, with the hub's own contracts, and
/// writes what the CRM knows about the customer back onto the conversation.
/// </summary>
public static class CrmHost
{
    /// <summary>The worker; <paramref name="configure"/> may add settings and services (tests reach an in-process
    /// hub).</summary>
    public static IHost Build(string[] args, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(args);
        configure?.Invoke(builder);
        var options = builder.Configuration.GetSection("Crm").Get<CrmOptions>() ?? new CrmOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(NpgsqlDataSource.Create(options.Database));
        builder.Services.AddSingleton<CrmStore>();
        builder.Services.AddSingleton<HubIdentity>();
        // The HttpClient the generated client sends with; HubClient gives it the hub's URL and the CRM's key.
        builder.Services.AddHttpClient<HubClient>();
        builder.Services.AddMassTransit(bus =>
        {
            bus.AddConsumer<CustomerEvents>();
            bus.AddConsumer<SlaEscalations>();
            bus.UsingRabbitMq(
                (context, rabbit) =>
                {
                    rabbit.Host(
                        options.RabbitHost,
                        (ushort)options.RabbitPort,
                        options.RabbitVirtualHost,
                        host =>
                        {
                            host.Username("guest");
                            host.Password("guest");
                        }
                    );
                    // The hub's exchanges are named after the event types (docs/events.md).
                    rabbit.Message<EngagementReceived>(m =>
                        m.SetEntityName("socialcare." + EventTypes.EngagementReceived)
                    );
                    rabbit.Message<CustomerCreated>(m => m.SetEntityName("socialcare." + EventTypes.CustomerCreated));
                    rabbit.Message<CustomerMerged>(m => m.SetEntityName("socialcare." + EventTypes.CustomerMerged));
                    rabbit.Message<SlaBreached>(m => m.SetEntityName("socialcare." + EventTypes.SlaBreached));
                    rabbit.ReceiveEndpoint(
                        options.Queue,
                        endpoint =>
                        {
                            endpoint.Durable = !options.TemporaryQueue;
                            endpoint.AutoDelete = options.TemporaryQueue;
                            endpoint.UseMessageRetry(retry => retry.Intervals(200, 1000, 5000));
                            endpoint.ConfigureConsumer<CustomerEvents>(context);
                            endpoint.ConfigureConsumer<SlaEscalations>(context);
                        }
                    );
                }
            );
        });
        // Start only once connected and bound: events published from then on reach this app's queue.
        builder.Services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = true);
        builder.Services.AddHostedService<CrmStartup>();
        return builder.Build();
    }
}

/// <summary>Creates the CRM's tables and its demo records, and learns which workspace the CRM's key belongs
/// to.</summary>
internal sealed class CrmStartup(CrmStore store, HubClient hub) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.EnsureAsync(cancellationToken);
        await hub.LearnWorkspaceAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
