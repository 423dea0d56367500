using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Webhooks;

public sealed class Subscription_management : HubFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Webhooks:MaxSubscriptionsPerWorkspace"] = "3" };

    [Test]
    public async Task A_workspace_past_its_subscription_limit_gets_a_422_even_when_creating_many_at_once()
    {
        var (_, client) = await Hub.CreateTenantAsync("limit", "subscriptions:manage");
        using (client)
        {
            var answers = await Task.WhenAll(
                Enumerable
                    .Range(0, 8)
                    .Select(i => client.PostAsJsonAsync("/v1/subscriptions", new { url = $"https://8.8.8.8/{i}" }))
            );
            var created = answers.Where(a => a.StatusCode == HttpStatusCode.Created).ToList();
            Assert.That(created, Has.Count.EqualTo(3), "exactly the limit, however the requests interleave");
            foreach (var refused in answers.Except(created))
            {
                var problem = await HubApi.ReadProblem(
                    refused,
                    HttpStatusCode.UnprocessableEntity,
                    "subscription-limit-reached"
                );
                Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("3"));
            }

            var first = (await HubApi.ReadJson(created[0], HttpStatusCode.Created))["id"]!.GetValue<Guid>();
            Assert.That(
                (await client.DeleteAsync($"/v1/subscriptions/{first}")).StatusCode,
                Is.EqualTo(HttpStatusCode.NoContent)
            );
            await HubApi.ReadJson(
                await client.PostAsJsonAsync("/v1/subscriptions", new { url = "https://8.8.8.8/again" }),
                HttpStatusCode.Created
            );
        }
    }

    [Test]
    public async Task Filter_lists_are_bounded()
    {
        var (_, client) = await Hub.CreateTenantAsync("bounded filters", "subscriptions:manage");
        using (client)
        {
            var many = Enumerable.Range(0, 101).Select(i => $"tag-{i}").ToArray();
            var problem = await HubApi.ReadProblem(
                await client.PostAsJsonAsync(
                    "/v1/subscriptions",
                    new
                    {
                        url = "https://8.8.8.8/x",
                        filters = new
                        {
                            tags = many,
                            brands = many,
                            channelTypes = new[] { new string('x', 201) },
                        },
                    }
                ),
                HttpStatusCode.BadRequest,
                "validation-failed"
            );
            Assert.Multiple(() =>
            {
                Assert.That(problem["errors"]!["filters.tags"], Is.Not.Null);
                Assert.That(problem["errors"]!["filters.brands"], Is.Not.Null);
                Assert.That(problem["errors"]!["filters.channelTypes"], Is.Not.Null);
            });
        }
    }

    [Test]
    public async Task Secret_is_shown_once_and_never_listed_and_rotation_returns_a_new_one()
    {
        var (_, client) = await Hub.CreateTenantAsync("subs", "subscriptions:manage");
        using (client)
        {
            var created = await HubApi.ReadJson(
                await client.PostAsJsonAsync(
                    "/v1/subscriptions",
                    new
                    {
                        url = "https://8.8.8.8/hooks/billing",
                        eventTypes = new[] { "conversation.*", "reply.failed" },
                        filters = new { brands = new[] { "Namshi" }, minPriority = "high" },
                        description = "billing app",
                    }
                ),
                HttpStatusCode.Created
            );
            var id = created["id"]!.GetValue<Guid>();
            var secret = created["secret"]!.GetValue<string>();
            var listed = await HubApi.ReadJson(await client.GetAsync("/v1/subscriptions"), HttpStatusCode.OK);
            var fetched = await HubApi.ReadJson(await client.GetAsync($"/v1/subscriptions/{id}"), HttpStatusCode.OK);
            var rotated = await HubApi.ReadJson(
                await client.PostAsync($"/v1/subscriptions/{id}/rotate-secret", null),
                HttpStatusCode.OK
            );
            var patched = await HubApi.ReadJson(
                await client.PatchAsJsonAsync($"/v1/subscriptions/{id}", new { enabled = false }),
                HttpStatusCode.OK
            );
            Assert.Multiple(() =>
            {
                Assert.That(secret, Does.StartWith("whsec_"));
                Assert.That(
                    listed.ToJsonString() + fetched.ToJsonString() + patched.ToJsonString(),
                    Does.Not.Contain("whsec_")
                );
                Assert.That(
                    fetched["eventTypes"]!.AsArray().Select(t => t!.GetValue<string>()),
                    Is.EqualTo(new[] { "conversation.*", "reply.failed" })
                );
                Assert.That(fetched["filters"]!["minPriority"]!.GetValue<string>(), Is.EqualTo("high"));
                Assert.That(rotated["secret"]!.GetValue<string>(), Does.StartWith("whsec_").And.Not.EqualTo(secret));
                Assert.That(rotated["previousSecretExpiresAt"], Is.Not.Null);
                Assert.That(patched["enabled"]!.GetValue<bool>(), Is.False);
            });
            Assert.That(
                (await client.DeleteAsync($"/v1/subscriptions/{id}")).StatusCode,
                Is.EqualTo(HttpStatusCode.NoContent)
            );
            await HubApi.ReadProblem(
                await client.GetAsync($"/v1/subscriptions/{id}"),
                HttpStatusCode.NotFound,
                "not-found"
            );
        }
    }

    [TestCase("https://127.0.0.1/hook")]
    [TestCase("https://169.254.169.254/latest/meta-data")]
    [TestCase("https://10.0.0.5/hook")]
    [TestCase("http://8.8.8.8/hook")]
    public async Task Private_or_plain_http_targets_are_refused_when_not_allowed(string url)
    {
        var (_, client) = await Hub.CreateTenantAsync("ssrf", "subscriptions:manage");
        using (client)
        {
            await HubApi.ReadProblem(
                await client.PostAsJsonAsync("/v1/subscriptions", new { url }),
                HttpStatusCode.UnprocessableEntity,
                "target-not-allowed"
            );
        }
    }

    [Test]
    public async Task Another_workspaces_subscription_is_a_404_and_bad_event_types_are_400()
    {
        var (_, owner) = await Hub.CreateTenantAsync("owner", "subscriptions:manage");
        var (_, other) = await Hub.CreateTenantAsync("other", "subscriptions:manage");
        using (owner)
        using (other)
        {
            var id = (
                await HubApi.ReadJson(
                    await owner.PostAsJsonAsync("/v1/subscriptions", new { url = "https://8.8.8.8/x" }),
                    HttpStatusCode.Created
                )
            )["id"]!.GetValue<Guid>();
            await HubApi.ReadProblem(
                await other.GetAsync($"/v1/subscriptions/{id}"),
                HttpStatusCode.NotFound,
                "not-found"
            );
            await HubApi.ReadProblem(
                await other.PostAsync($"/v1/subscriptions/{id}/rotate-secret", null),
                HttpStatusCode.NotFound,
                "not-found"
            );
            var problem = await HubApi.ReadProblem(
                await owner.PostAsJsonAsync(
                    "/v1/subscriptions",
                    new { url = "https://8.8.8.8/x", eventTypes = new[] { "conversation.**" } }
                ),
                HttpStatusCode.BadRequest,
                "validation-failed"
            );
            Assert.That(problem["errors"]!["eventTypes"], Is.Not.Null);
        }
    }
}
