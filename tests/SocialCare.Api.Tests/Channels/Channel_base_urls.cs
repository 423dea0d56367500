using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Channels;

/// <summary>
/// A channel's API base URL override is where its stored token goes: only to public https hosts, checked when saved and
/// on every connection, and never to a host the token was not entered for.
/// </summary>
public sealed class Channel_base_urls : HubFixture
{
    private const string Token = "EAAG-token-entered-for-the-first-host";

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Connectors:MaxRetries"] = "0" };

    private static object WhatsApp(string baseUrl, string? token = Token) =>
        new
        {
            type = "whatsapp",
            name = "KSA line",
            brand = "Namshi",
            settings = new
            {
                phoneNumberId = "1234567890",
                accessToken = token,
                appSecret = "app-secret",
                verifyToken = "verify",
                graphApiBaseUrl = baseUrl,
            },
        };

    [TestCase("http://127.0.0.1:9/graph")]
    [TestCase("https://127.0.0.1/graph")]
    [TestCase("https://10.0.0.7/graph")]
    [TestCase("https://169.254.169.254/latest/meta-data")]
    [TestCase("https://[::1]/graph")]
    [TestCase("http://93.184.216.34/graph")]
    [TestCase("ftp://93.184.216.34/graph")]
    public async Task A_base_url_that_is_not_public_https_is_refused_and_the_answer_names_the_setting(string url)
    {
        var (_, client) = await Hub.CreateTenantAsync("inside base url", "channels:manage");
        using (client)
        {
            var problem = await HubApi.ReadProblem(
                await client.PostAsJsonAsync("/v1/channels", WhatsApp(url)),
                HttpStatusCode.UnprocessableEntity,
                "target-not-allowed"
            );
            var list = await HubApi.ReadJson(await client.GetAsync("/v1/channels"), HttpStatusCode.OK);
            Assert.Multiple(() =>
            {
                Assert.That(list["items"]!.AsArray(), Is.Empty, "nothing was stored");
                Assert.That(
                    problem["detail"]!.GetValue<string>(),
                    url.StartsWith("ftp", StringComparison.Ordinal)
                        ? Does.Contain("https")
                        : Does.Contain("Connectors:AllowPrivateTargets=true")
                );
            });
        }
    }

    [Test]
    public async Task Changing_the_base_url_needs_the_token_again_in_the_same_request()
    {
        var (_, client) = await Hub.CreateTenantAsync("moved base url", "channels:manage");
        using (client)
        {
            var id = (
                await HubApi.ReadJson(
                    await client.PostAsJsonAsync("/v1/channels", WhatsApp("https://93.184.216.34/v25.0")),
                    HttpStatusCode.Created
                )
            )["id"]!.GetValue<Guid>();
            var moved = await HubApi.ReadProblem(
                await client.PatchAsJsonAsync(
                    $"/v1/channels/{id}",
                    new { settings = new { graphApiBaseUrl = "https://8.8.8.8/v25.0" } }
                ),
                HttpStatusCode.UnprocessableEntity,
                "credentials-required"
            );
            await HubApi.ReadProblem(
                await client.PatchAsJsonAsync(
                    $"/v1/channels/{id}",
                    new { settings = new Dictionary<string, object?> { ["graphApiBaseUrl"] = null } }
                ),
                HttpStatusCode.UnprocessableEntity,
                "credentials-required"
            );
            var renamed = await HubApi.ReadJson(
                await client.PatchAsJsonAsync($"/v1/channels/{id}", new { name = "KSA care" }),
                HttpStatusCode.OK
            );
            var withToken = await HubApi.ReadJson(
                await client.PatchAsJsonAsync(
                    $"/v1/channels/{id}",
                    new
                    {
                        settings = new
                        {
                            graphApiBaseUrl = "https://8.8.8.8/v25.0",
                            accessToken = "EAAG-token-for-the-new-host",
                        },
                    }
                ),
                HttpStatusCode.OK
            );
            Assert.Multiple(() =>
            {
                Assert.That(moved["detail"]!.GetValue<string>(), Does.Contain("accessToken"));
                Assert.That(
                    renamed["settings"]!["graphApiBaseUrl"]!.GetValue<string>(),
                    Is.EqualTo("https://93.184.216.34/v25.0"),
                    "the refused changes kept nothing"
                );
                Assert.That(
                    withToken["settings"]!["graphApiBaseUrl"]!.GetValue<string>(),
                    Is.EqualTo("https://8.8.8.8/v25.0")
                );
            });
        }
    }

    [Test]
    public async Task A_reply_to_a_base_url_now_resolving_to_loopback_is_refused_on_connect_and_the_token_never_leaves()
    {
        await using var platform = await FakePlatform.FakePlatform.StartAsync();
        platform.AddWhatsAppNumber("1234567890", Token);
        var (workspaceId, client) = await Hub.CreateTenantAsync("rebound base url");
        using (client)
        {
            var channelId = (
                await HubApi.ReadJson(
                    await client.PostAsJsonAsync("/v1/channels", WhatsApp("https://93.184.216.34/v25.0")),
                    HttpStatusCode.Created
                )
            )["id"]!.GetValue<Guid>();
            var conversationId = (
                await client.IngestAsync(HubApi.Engagement(channelId, "wamid.rebound", "966500000001"))
            )["conversationId"]!.GetValue<Guid>();
            // The saved name now resolves to this machine, where something listens and would take the token.
            await Database.ExecuteAsync(
                """
                update channels set settings = jsonb_set(settings, '{graphApiBaseUrl}', to_jsonb($1::text)) where id =
                    $2 and workspace_id = $3
                """,
                ConnectionString,
                $"https://localhost:{new Uri(platform.BaseUrl).Port}/{FakePlatform.FakePlatform.GraphVersion}",
                channelId,
                workspaceId
            );
            var replyId = (
                await HubApi.ReadJson(
                    await client.PostAsJsonAsync(
                        $"/v1/conversations/{conversationId}/replies",
                        new { text = "We are on it" }
                    ),
                    HttpStatusCode.Accepted
                )
            )["replyId"]!.GetValue<Guid>();

            var reply = await Eventually.Until(
                async () =>
                    (
                        await HubApi.ReadJson(
                            await client.GetAsync($"/v1/conversations/{conversationId}"),
                            HttpStatusCode.OK
                        )
                    )["latestReplies"]!
                        .AsArray()
                        .Single(r => r!["id"]!.GetValue<Guid>() == replyId)!,
                r => r["status"]!.GetValue<string>() == "failed",
                what: "the reply to fail"
            );
            Assert.Multiple(() =>
            {
                Assert.That(reply["error"]!["code"]!.GetValue<string>(), Is.EqualTo("unreachable"));
                Assert.That(reply["error"]!["message"]!.GetValue<string>(), Does.Contain("not a public address"));
                Assert.That(platform.Requests, Is.Empty, "nothing reached the host on loopback");
            });
        }
    }
}
