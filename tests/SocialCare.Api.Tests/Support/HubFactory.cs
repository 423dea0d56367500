using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace SocialCare.Api.Tests.Support;

/// <summary>The hub in-process, against the run's database and the real broker, with settings a test may
/// override.</summary>
public sealed class HubFactory(IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    private readonly StatusRecorder _statuses = new();

    /// <summary>Whether the events in the hub's database are checked against their schemas as it stops: off only for a
    /// fixture that writes synthetic rows straight into the log.</summary>
    public bool ChecksEvents { get; init; } = true;

    public const string AdminKey = "sch_admin_test_0123456789abcdefghijklmnop";

    /// <summary>The key test hubs encrypt stored secrets with (<c>Secrets:Keys:test</c>): the bytes 0 to 31.</summary>
    public const string SecretsKeyId = "test";
    public const string SecretsKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var defaults = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = TestRun.ConnectionString,
            ["RabbitMq:Host"] = TestEnvironment.RabbitHost,
            ["RabbitMq:Port"] = TestEnvironment.RabbitPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RabbitMq:VirtualHost"] = TestEnvironment.RabbitVirtualHost,
            ["Admin:ApiKey"] = AdminKey,
            [$"Secrets:Keys:{SecretsKeyId}"] = SecretsKey,
            ["Secrets:ActiveKey"] = SecretsKeyId,
            ["Demo:ApiKey"] = null,
            // Test hubs serve their OpenAPI document (the contract and abuse tests read it), as a Development hub does.
            ["OpenApi:Serve"] = "true",
            // Test hubs run against different databases on one broker: each fans out from a queue of its own.
            ["Webhooks:FanOutQueue"] = $"socialcare-webhooks-test-{Guid.NewGuid():N}",
            ["Webhooks:FanOutQueueTemporary"] = "true",
            ["Connectors:ReplyQueue"] = $"socialcare-replies-test-{Guid.NewGuid():N}",
            ["Connectors:ReplyQueueTemporary"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            defaults[key] = value;
        }

        foreach (var (key, value) in defaults)
        {
            builder.UseSetting(key, value);
        }

        builder.UseEnvironment("Testing");
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(_statuses));
    }

    /// <summary>Stops the hub; fails when it answered a status its OpenAPI document does not list for the
    /// operation, or when an event appended since the last check breaks its JSON Schema.</summary>
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        var undocumented = _statuses.Undocumented();
        if (undocumented.Count > 0)
        {
            throw new AssertionException(
                "Answers the OpenAPI document does not list:\n" + string.Join("\n", undocumented)
            );
        }

        var nonConforming = ChecksEvents
            ? await EventConformance.CheckNewEventsAsync(
                settings?.GetValueOrDefault("ConnectionStrings:Postgres") ?? TestRun.ConnectionString
            )
            : [];
        if (nonConforming.Count > 0)
        {
            throw new AssertionException(
                "Events that break their JSON Schema:\n" + string.Join("\n", nonConforming.Take(20))
            );
        }
    }

    public HttpClient ClientWithKey(string key)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public HttpClient AdminClient() => ClientWithKey(AdminKey);

    /// <summary>Starts the hub and waits until /health/ready says both dependencies answer.</summary>
    public async Task<HubFactory> StartAsync()
    {
        using var client = CreateClient();
        await Eventually.Until(
            async () => (await client.GetAsync("/health/ready")).StatusCode,
            status => status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60),
            "/health/ready to answer 200"
        );
        return this;
    }
}
