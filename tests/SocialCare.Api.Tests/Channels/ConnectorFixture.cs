using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Channels;

/// <summary>A hub whose native connectors call a fake platform on a real port, with retries compressed for
/// tests.</summary>
public abstract class ConnectorFixture : HubFixture
{
    protected const string AppSecret = "meta-app-secret-for-tests";
    protected const string VerifyToken = "meta-verify-token-for-tests";
    protected const string AccessToken = "EAAG-access-token-for-tests";

    protected FakePlatform.FakePlatform Platform { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string?>? Settings =>
        new Dictionary<string, string?>
        {
            ["Connectors:RetryBaseDelay"] = "00:00:00.050",
            ["Connectors:MaxRetryAfter"] = "00:00:01",
            ["Connectors:BreakAfterFailures"] = "4",
            // The fake platform listens on loopback, over http.
            ["Connectors:AllowPrivateTargets"] = "true",
        };

    [OneTimeSetUp]
    public async Task StartPlatform() => Platform = await FakePlatform.FakePlatform.StartAsync();

    [OneTimeTearDown]
    public async Task StopPlatform() => await Platform.DisposeAsync();

    /// <summary>A documented payload from Fixtures/, with its placeholders filled ({{timestamp}}, {{now}} and
    /// {{now_ms}} default to now).</summary>
    protected static string Fixture(string name, params (string Key, string Value)[] values)
    {
        var now = DateTimeOffset.UtcNow;
        var text = File.ReadAllText(
            Path.Combine(TestContext.CurrentContext.TestDirectory, "Channels", "Fixtures", name)
        );
        foreach (var (key, value) in values)
        {
            text = text.Replace("{{" + key + "}}", value, StringComparison.Ordinal);
        }

        return text.Replace(
                "{{timestamp}}",
                now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                StringComparison.Ordinal
            )
            .Replace(
                "{{now}}",
                now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                StringComparison.Ordinal
            )
            .Replace(
                "{{now_ms}}",
                now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                StringComparison.Ordinal
            );
    }

    protected static string Unix(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    protected static string UnixMs(DateTimeOffset at) =>
        at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>A client with no API key, as a platform calls.</summary>
    protected HttpClient PlatformClient() => Hub.CreateClient();

    protected static async Task<JsonNode> ReceiptAsync(HttpResponseMessage response) =>
        await HubApi.ReadJson(response, HttpStatusCode.OK);

    /// <summary>Waits for the conversation to show a reply in <paramref name="status"/>, and returns that
    /// reply.</summary>
    protected static async Task<JsonNode> ReplyWhenAsync(
        HttpClient client,
        Guid conversationId,
        Guid replyId,
        string status
    ) =>
        await Eventually.Until(
            async () =>
            {
                var conversation = await HubApi.ReadJson(
                    await client.GetAsync($"/v1/conversations/{conversationId}"),
                    HttpStatusCode.OK
                );
                return conversation["latestReplies"]!.AsArray().Single(r => r!["id"]!.GetValue<Guid>() == replyId)!;
            },
            r => r["status"]!.GetValue<string>() == status,
            what: $"reply {replyId} to be {status}"
        );

    protected static async Task<Guid> ReplyAsync(HttpClient client, Guid conversationId, object body) =>
        (
            await HubApi.ReadJson(
                await client.PostAsJsonAsync($"/v1/conversations/{conversationId}/replies", body),
                HttpStatusCode.Accepted
            )
        )["replyId"]!.GetValue<Guid>();

    protected static async Task<JsonArray> ConversationsAsync(HttpClient client) =>
        (await HubApi.ReadJson(await client.GetAsync("/v1/conversations"), HttpStatusCode.OK))["items"]!.AsArray();
}
