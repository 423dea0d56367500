using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Crm.Consumer;
using Marketing.Listener;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Samples;

public sealed class Crm_and_marketing : HubFixture
{
    [Test]
    public async Task Crm_writes_what_it_knows_onto_the_conversation_and_re_keys_after_a_merge()
    {
        var (workspaceId, care) = await Hub.CreateTenantAsync("crm sample");
        var (_, crmKey) = await Hub.CreateKeyAsync(
            workspaceId,
            "crm-app",
            ["conversations:read", "conversations:write"]
        );
        await TestEnvironment.WithDatabaseAsync(
            "crm",
            async database =>
            {
                using var crm = CrmHost.Build(
                    [],
                    b =>
                    {
                        b.Configuration["Crm:HubUrl"] = Hub.Server.BaseAddress.ToString();
                        b.Configuration["Crm:ApiKey"] = crmKey;
                        b.Configuration["Crm:RabbitHost"] = TestEnvironment.RabbitHost;
                        b.Configuration["Crm:RabbitPort"] = TestEnvironment.RabbitPort.ToString(
                            System.Globalization.CultureInfo.InvariantCulture
                        );
                        b.Configuration["Crm:RabbitVirtualHost"] = TestEnvironment.RabbitVirtualHost;
                        b.Configuration["Crm:Queue"] = $"crm.test-{Guid.NewGuid():N}";
                        b.Configuration["Crm:TemporaryQueue"] = "true";
                        b.Configuration["Crm:Database"] = database;
                        b.Services.AddHttpClient<HubClient>()
                            .ConfigurePrimaryHttpMessageHandler(() => Hub.Server.CreateHandler());
                    }
                );
                await crm.StartAsync();
                try
                {
                    var whatsapp = await care.CreateChannelAsync("whatsapp", "Namshi");
                    var conversationId = (
                        await care.IngestAsync(
                            HubApi.Engagement(whatsapp, "wamid.crm.1", "16505551234", "Where is my order?")
                        )
                    )["conversationId"]!.GetValue<Guid>();
                    var context = await Eventually.Until(
                        async () =>
                            (
                                await HubApi.ReadJson(
                                    await care.GetAsync($"/v1/conversations/{conversationId}"),
                                    HttpStatusCode.OK
                                )
                            )["context"]!["crm-app"],
                        c => c is not null,
                        what: "the CRM's context"
                    );
                    Assert.Multiple(() =>
                    {
                        Assert.That(context!["crmContactId"]!.GetValue<string>(), Is.EqualTo("C-1002"));
                        Assert.That(context["segment"]!.GetValue<string>(), Is.EqualTo("silver"));
                        Assert.That(context["lifetimeValue"]!.GetValue<decimal>(), Is.EqualTo(310.00m));
                    });

                    // The same person on X turns out to be a customer of their own; merging makes the CRM follow the
                    // survivor.
                    var x = await care.CreateChannelAsync("x", "Namshi");
                    var other = (
                        await care.IngestAsync(
                            HubApi.Engagement(x, "tweet-crm-1", "999000111", "@Namshi hello", "public")
                        )
                    )["customerId"]!.GetValue<Guid>();
                    var sheena = (
                        await HubApi.ReadJson(
                            await care.GetAsync($"/v1/conversations/{conversationId}"),
                            HttpStatusCode.OK
                        )
                    )["customer"]!["id"]!.GetValue<Guid>();
                    await HubApi.ReadJson(
                        await care.PostAsJsonAsync($"/v1/customers/{other}/merge", new { customerId = sheena }),
                        HttpStatusCode.OK
                    );
                    await Eventually.Until(
                        () => ContactCustomerAsync(database, "C-1002"),
                        id => id == other,
                        what: "the CRM contact to follow the merge"
                    );
                }
                finally
                {
                    await crm.StopAsync();
                }
            }
        );
    }

    [Test]
    public async Task Marketing_listener_hears_each_resolution_on_its_own_queue_with_channel_and_time_to_resolve()
    {
        var (_, care) = await Hub.CreateTenantAsync("marketing sample");
        var lines = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var listener = new ResolutionListener(
            new ListenerOptions
            {
                RabbitHost = TestEnvironment.RabbitHost,
                RabbitPort = TestEnvironment.RabbitPort,
                VirtualHost = TestEnvironment.RabbitVirtualHost,
                Queue = $"marketing.test-{Guid.NewGuid():N}",
                TemporaryQueue = true,
            },
            null,
            lines.Enqueue
        );
        var listening = listener.RunAsync(stop.Token);
        try
        {
            await listener.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            var channel = await care.CreateChannelAsync("instagram", "Al Tayer");
            var conversationId = (await care.IngestAsync(HubApi.Engagement(channel, "ig-mkt-1", "6811", "مرحبا")))[
                "conversationId"
            ]!.GetValue<Guid>();
            await HubApi.ReadJson(
                await care.PostAsJsonAsync($"/v1/conversations/{conversationId}/resolve", new { reason = "answered" }),
                HttpStatusCode.OK
            );
            var line = await Eventually.Until(
                () =>
                    Task.FromResult(
                        lines.FirstOrDefault(l => l.Contains(conversationId.ToString(), StringComparison.Ordinal))
                    ),
                l => l is not null,
                what: "marketing's line for the resolution"
            );
            Assert.That(line, Does.Contain("resolved on instagram after").And.Contain("brand Al Tayer"));
        }
        finally
        {
            await stop.CancelAsync();
            await listening;
        }
    }

    private static async Task<Guid?> ContactCustomerAsync(string database, string contactId)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select hub_customer_id from crm_contacts where id = $1",
            connection
        )
        {
            Parameters = { new() { Value = contactId } },
        };
        return await command.ExecuteScalarAsync() as Guid?;
    }
}
