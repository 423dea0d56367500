using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Channels;

public sealed class Channel_accounts : HubFixture
{
    [Test]
    public async Task Secrets_are_write_only_and_patch_merges_settings()
    {
        var (_, client) = await Hub.CreateTenantAsync("channels", "channels:manage");
        using (client)
        {
            var created = await HubApi.ReadJson(
                await client.PostAsJsonAsync(
                    "/v1/channels",
                    new
                    {
                        type = "whatsapp",
                        name = "KSA care line",
                        brand = "Namshi",
                        settings = new
                        {
                            phoneNumberId = "1234567890",
                            accessToken = "EAAG-secret",
                            appSecret = "app-secret",
                            verifyToken = "verify-me",
                        },
                    }
                ),
                HttpStatusCode.Created
            );
            var id = created["id"]!.GetValue<Guid>();
            Assert.Multiple(() =>
            {
                Assert.That(
                    created.ToJsonString(),
                    Does.Not.Contain("EAAG-secret").And.Not.Contain("app-secret").And.Not.Contain("verify-me")
                );
                Assert.That(created["settings"]!["phoneNumberId"]!.GetValue<string>(), Is.EqualTo("1234567890"));
                Assert.That(
                    created["secretsSet"]!.AsArray().Select(s => s!.GetValue<string>()),
                    Is.EqualTo(new[] { "accessToken", "appSecret", "verifyToken" })
                );
            });

            var patched = await HubApi.ReadJson(
                await client.PatchAsJsonAsync(
                    $"/v1/channels/{id}",
                    new
                    {
                        name = "KSA line",
                        settings = new Dictionary<string, object?>
                        {
                            ["verifyToken"] = null,
                            ["graphApiBaseUrl"] = "https://93.184.216.34/graph",
                            ["accessToken"] = "EAAG-new",
                        },
                    }
                ),
                HttpStatusCode.OK
            );
            var fetched = await HubApi.ReadJson(await client.GetAsync($"/v1/channels/{id}"), HttpStatusCode.OK);
            Assert.Multiple(() =>
            {
                Assert.That(patched["name"]!.GetValue<string>(), Is.EqualTo("KSA line"));
                Assert.That(
                    fetched["secretsSet"]!.AsArray().Select(s => s!.GetValue<string>()),
                    Is.EqualTo(new[] { "accessToken", "appSecret" })
                );
                Assert.That(
                    fetched["settings"]!["graphApiBaseUrl"]!.GetValue<string>(),
                    Is.EqualTo("https://93.184.216.34/graph")
                );
                Assert.That(fetched["settings"]!["phoneNumberId"]!.GetValue<string>(), Is.EqualTo("1234567890"));
            });
        }
    }

    [TestCase("WhatsApp")]
    [TestCase("sms gateway")]
    [TestCase("")]
    public async Task Channel_type_must_be_a_lower_case_name(string type)
    {
        var (_, client) = await Hub.CreateTenantAsync("bad type", "channels:manage");
        using (client)
        {
            var problem = await HubApi.ReadProblem(
                await client.PostAsJsonAsync(
                    "/v1/channels",
                    new
                    {
                        type,
                        name = "x",
                        brand = "b",
                    }
                ),
                HttpStatusCode.BadRequest,
                "validation-failed"
            );
            Assert.That(problem["errors"]!["type"], Is.Not.Null);
        }
    }

    [Test]
    public async Task Custom_channel_types_are_open_ended()
    {
        var (_, client) = await Hub.CreateTenantAsync("custom types", "channels:manage");
        using (client)
        {
            foreach (var type in new[] { "linkedin", "youtube", "snapchat", "sms", "app-chat" })
            {
                await client.CreateChannelAsync(type, "KLM");
            }

            var listed = await HubApi.ReadJson(await client.GetAsync("/v1/channels?type=app-chat"), HttpStatusCode.OK);
            Assert.That(
                listed["items"]!.AsArray().Select(c => c!["type"]!.GetValue<string>()),
                Is.EqualTo(new[] { "app-chat" })
            );
        }
    }

    [Test]
    public async Task Key_without_the_scope_gets_403_naming_it()
    {
        var (_, client) = await Hub.CreateTenantAsync("no scope", "conversations:read");
        using (client)
        {
            var problem = await HubApi.ReadProblem(
                await client.GetAsync("/v1/channels"),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("channels:manage"));
        }
    }

    [Test]
    public async Task Another_workspaces_channel_is_a_404()
    {
        var (_, owner) = await Hub.CreateTenantAsync("owner", "channels:manage");
        var (_, other) = await Hub.CreateTenantAsync("other", "channels:manage");
        using (owner)
        using (other)
        {
            var id = await owner.CreateChannelAsync("x", "Majid Al Futtaim");
            await HubApi.ReadProblem(await other.GetAsync($"/v1/channels/{id}"), HttpStatusCode.NotFound, "not-found");
            await HubApi.ReadProblem(
                await other.PatchAsJsonAsync($"/v1/channels/{id}", new { name = "mine" }),
                HttpStatusCode.NotFound,
                "not-found"
            );
            await HubApi.ReadProblem(
                await other.DeleteAsync($"/v1/channels/{id}"),
                HttpStatusCode.NotFound,
                "not-found"
            );
            await HubApi.ReadJson(await owner.GetAsync($"/v1/channels/{id}"), HttpStatusCode.OK);
        }
    }

    [Test]
    public async Task Deleted_channel_refuses_new_engagements()
    {
        var (_, client) = await Hub.CreateTenantAsync("deleting");
        using (client)
        {
            var id = await client.CreateChannelAsync("sms", "Al Tayer");
            Assert.That(
                (await client.DeleteAsync($"/v1/channels/{id}")).StatusCode,
                Is.EqualTo(HttpStatusCode.NoContent)
            );
            await HubApi.ReadProblem(
                await client.PostAsJsonAsync("/v1/engagements", HubApi.Engagement(id, "m1", "u1")),
                HttpStatusCode.UnprocessableEntity,
                "unknown-channel"
            );
            await HubApi.ReadProblem(await client.GetAsync($"/v1/channels/{id}"), HttpStatusCode.NotFound, "not-found");
        }
    }

    [Test]
    public async Task Key_limited_to_a_brand_cannot_use_another_brands_channel()
    {
        var workspaceId = await Hub.CreateWorkspaceAsync("brands");
        var (_, adminKey) = await Hub.CreateKeyAsync(
            workspaceId,
            "all brands",
            ["channels:manage", "engagements:write"]
        );
        var (_, hmKey) = await Hub.CreateKeyAsync(
            workspaceId,
            "H&M only",
            ["channels:manage", "engagements:write"],
            ["H&M"]
        );
        using var all = Hub.ClientWithKey(adminKey);
        using var hm = Hub.ClientWithKey(hmKey);
        var zara = await all.CreateChannelAsync("instagram", "Zara");
        await HubApi.ReadProblem(await hm.GetAsync($"/v1/channels/{zara}"), HttpStatusCode.NotFound, "not-found");
        await HubApi.ReadProblem(
            await hm.PostAsJsonAsync("/v1/engagements", HubApi.Engagement(zara, "m1", "u1")),
            HttpStatusCode.UnprocessableEntity,
            "unknown-channel"
        );
        await HubApi.ReadProblem(
            await hm.PostAsJsonAsync(
                "/v1/channels",
                new
                {
                    type = "x",
                    name = "n",
                    brand = "Zara",
                }
            ),
            HttpStatusCode.Forbidden,
            "forbidden"
        );
    }

    [Test]
    public async Task Which_settings_are_secret_is_declared_per_type_not_guessed_from_a_name()
    {
        var (_, client) = await Hub.CreateTenantAsync("declared secrets", "channels:manage");
        using (client)
        {
            // A custom type's secrets come in 'secrets'; a setting whose name merely looks like a credential is a
            // setting.
            var custom = await HubApi.ReadJson(
                await client.PostAsJsonAsync(
                    "/v1/channels",
                    new
                    {
                        type = "sms",
                        name = "gateway",
                        brand = "du",
                        settings = new { publicKey = "pk-visible", tokenizer = "whitespace" },
                        secrets = new { password = "hunter2-never-shown" },
                    }
                ),
                HttpStatusCode.Created
            );
            // A native type's credentials are secret even in 'settings'; its routing ids cannot be hidden in 'secrets'.
            var refused = await HubApi.ReadProblem(
                await client.PostAsJsonAsync(
                    "/v1/channels",
                    new
                    {
                        type = "whatsapp",
                        name = "line",
                        brand = "du",
                        settings = new { accessToken = "EAAG-x" },
                        secrets = new { phoneNumberId = "1234" },
                    }
                ),
                HttpStatusCode.BadRequest,
                "validation-failed"
            );
            Assert.Multiple(() =>
            {
                Assert.That(custom["settings"]!["publicKey"]!.GetValue<string>(), Is.EqualTo("pk-visible"));
                Assert.That(custom["settings"]!["tokenizer"]!.GetValue<string>(), Is.EqualTo("whitespace"));
                Assert.That(
                    custom["secretsSet"]!.AsArray().Select(n => n!.GetValue<string>()),
                    Is.EqualTo(new[] { "password" })
                );
                Assert.That(custom.ToJsonString(), Does.Not.Contain("hunter2"));
                Assert.That(refused["errors"]!["secrets.phoneNumberId"], Is.Not.Null);
            });
        }
    }
}
