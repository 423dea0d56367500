using System.Globalization;
using SocialCare.Testing;

namespace SocialCare.Api.Tests.Support;

/// <summary>The hub as a process of its own (<see cref="HubProcess"/>), set up as the in-process test hubs are.</summary>
internal static class TestHubProcess
{
    /// <summary>The environment a test hub process runs with on <paramref name="database"/>, with
    /// <paramref name="extra"/> settings (environment variable names, <c>Section__Key</c>) over it.</summary>
    public static Dictionary<string, string> Settings(
        string database,
        IReadOnlyDictionary<string, string>? extra = null
    )
    {
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = database,
            ["RabbitMq__Host"] = TestEnvironment.RabbitHost,
            ["RabbitMq__Port"] = TestEnvironment.RabbitPort.ToString(CultureInfo.InvariantCulture),
            ["RabbitMq__VirtualHost"] = TestEnvironment.RabbitVirtualHost,
            ["Admin__ApiKey"] = HubFactory.AdminKey,
            [$"Secrets__Keys__{HubFactory.SecretsKeyId}"] = HubFactory.SecretsKey,
            ["Secrets__ActiveKey"] = HubFactory.SecretsKeyId,
            ["Webhooks__FanOutQueue"] = $"socialcare-webhooks-test-{Guid.NewGuid():N}",
            ["Webhooks__FanOutQueueTemporary"] = "true",
            ["Connectors__ReplyQueue"] = $"socialcare-replies-test-{Guid.NewGuid():N}",
            ["Connectors__ReplyQueueTemporary"] = "true",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Starts a hub process on <paramref name="database"/>; see <see cref="Settings"/>.</summary>
    public static Task<HubProcess> StartAsync(string database, IReadOnlyDictionary<string, string>? extra = null) =>
        HubProcess.StartAsync(Settings(database, extra));

    /// <summary>A client of the hub process with <paramref name="key"/>.</summary>
    public static HttpClient Client(this HubProcess hub, string? key = null)
    {
        var client = new HttpClient { BaseAddress = hub.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
                "Bearer",
                key
            );
        }

        return client;
    }
}
