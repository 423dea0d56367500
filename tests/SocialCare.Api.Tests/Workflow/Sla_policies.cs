using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Authorization;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Workflow;

/// <summary>
/// SLA policies as resources (issue 18, point 4): ISO 8601 targets checked, the usual conventions, every change an
/// event with its actor, workspace-wide (a brand-limited key reads them only), and a brand's default kept valid.
/// </summary>
public sealed class Sla_policies : HubFixture
{
    [Test]
    public async Task A_policy_is_created_read_replaced_and_deleted_each_change_an_event_with_its_actor()
    {
        var (_, client) = await Hub.CreateTenantAsync("sla policies");
        using (client)
        {
            client.DefaultRequestHeaders.Add("X-Actor", "ops-lead");
            var created = await client.PostAsJsonAsync(
                "/v1/sla-policies",
                new
                {
                    name = "VIP خدمة ⭐",
                    firstResponse = "PT15M",
                    nextResponse = "PT1H",
                    resolution = "P1DT12H",
                    businessHoursOnly = true,
                    warnBefore = "PT5M",
                }
            );
            var policy = await HubApi.ReadJson(created, HttpStatusCode.Created);
            var id = policy["id"]!.GetValue<Guid>();
            Assert.Multiple(() =>
            {
                Assert.That(created.Headers.Location?.ToString(), Is.EqualTo($"/v1/sla-policies/{id}"));
                Assert.That(created.Headers.ETag?.Tag, Is.EqualTo("\"1\""));
                Assert.That(policy["resolution"]!.GetValue<string>(), Is.EqualTo("P1DT12H"));
                Assert.That(policy["businessHoursOnly"]!.GetValue<bool>(), Is.True);
                Assert.That(policy["countAutomaticReplies"]!.GetValue<bool>(), Is.False);
            });

            await HubApi.ReadProblem(
                await client.SendIfMatchAsync(
                    HttpMethod.Put,
                    $"/v1/sla-policies/{id}",
                    "\"9\"",
                    new { name = "VIP", firstResponse = "PT10M" }
                ),
                HttpStatusCode.PreconditionFailed,
                "precondition-failed"
            );
            var replaced = await client.SendIfMatchAsync(
                HttpMethod.Put,
                $"/v1/sla-policies/{id}",
                "\"1\"",
                new { name = "VIP", firstResponse = "PT10M" }
            );
            var read = await HubApi.ReadJson(await client.GetAsync($"/v1/sla-policies/{id}"), HttpStatusCode.OK);
            Assert.Multiple(() =>
            {
                Assert.That(replaced.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(replaced.Headers.ETag?.Tag, Is.EqualTo("\"2\""));
                Assert.That(read["firstResponse"]!.GetValue<string>(), Is.EqualTo("PT10M"));
                Assert.That(read["resolution"], Is.Null, "a replacement drops the targets it leaves out");
                Assert.That(read["businessHoursOnly"]!.GetValue<bool>(), Is.False);
            });
            var listed = await HubApi.ReadJson(await client.GetAsync("/v1/sla-policies"), HttpStatusCode.OK);
            Assert.That(listed["items"]!.AsArray().Select(p => p!["id"]!.GetValue<Guid>()), Is.EqualTo(new[] { id }));

            Assert.That(
                (await client.SendIfMatchAsync(HttpMethod.Delete, $"/v1/sla-policies/{id}", "\"2\"", null)).StatusCode,
                Is.EqualTo(HttpStatusCode.NoContent)
            );
            await HubApi.ReadProblem(
                await client.GetAsync($"/v1/sla-policies/{id}"),
                HttpStatusCode.NotFound,
                "not-found"
            );

            var events = await client.WaitForEventsAsync(3, "sla_policy.*");
            Assert.Multiple(() =>
            {
                Assert.That(
                    events.Select(e => e!["type"]!.GetValue<string>()),
                    Is.EqualTo(new[] { "sla_policy.created", "sla_policy.updated", "sla_policy.deleted" })
                );
                Assert.That(
                    events.Select(e => e!["data"]!["actor"]!["person"]!.GetValue<string>()),
                    Is.All.EqualTo("ops-lead")
                );
                Assert.That(events[1]!["data"]!["firstResponse"]!.GetValue<string>(), Is.EqualTo("PT10M"));
            });
        }
    }

    [TestCase("P1M", TestName = "Months are refused: their length depends on the date")]
    [TestCase("P1Y", TestName = "Years are refused")]
    [TestCase("PT0S", TestName = "A zero target is refused")]
    [TestCase("P366D", TestName = "A target over a year is refused")]
    [TestCase("PT", TestName = "A duration without a number is refused")]
    [TestCase("P1DT", TestName = "A dangling T is refused")]
    [TestCase("PT١H", TestName = "Arabic-Indic digits are refused")]
    [TestCase("1 hour", TestName = "Prose is refused")]
    [TestCase("PT-5M", TestName = "A negative target is refused")]
    [TestCase("P999999999W", TestName = "A duration too long for any clock is refused")]
    public async Task A_target_that_is_not_a_fixed_positive_duration_is_refused(string duration)
    {
        var (_, client) = await Hub.CreateTenantAsync("sla durations");
        using (client)
        {
            var problem = await HubApi.ReadProblem(
                await client.PostAsJsonAsync("/v1/sla-policies", new { name = "Bad", firstResponse = duration }),
                HttpStatusCode.BadRequest,
                "validation-failed"
            );
            Assert.That(problem["errors"]!.ToJsonString(), Does.Contain("firstResponse"));
        }
    }

    [Test]
    public async Task A_policy_needs_a_target_and_a_warning_shorter_than_each()
    {
        var (_, client) = await Hub.CreateTenantAsync("sla shape");
        using (client)
        {
            await HubApi.ReadProblem(
                await client.PostAsJsonAsync("/v1/sla-policies", new { name = "Empty", warnBefore = "PT5M" }),
                HttpStatusCode.BadRequest,
                "validation-failed"
            );
            var problem = await HubApi.ReadProblem(
                await client.PostAsJsonAsync(
                    "/v1/sla-policies",
                    new
                    {
                        name = "Late warning",
                        firstResponse = "PT10M",
                        resolution = "P1D",
                        warnBefore = "PT10M",
                    }
                ),
                HttpStatusCode.BadRequest,
                "validation-failed"
            );
            Assert.That(problem["errors"]!.ToJsonString(), Does.Contain("warnBefore"));
        }
    }

    [Test]
    public async Task A_brand_limited_key_reads_policies_but_does_not_change_them()
    {
        var (workspaceId, admin) = await Hub.CreateTenantAsync("sla brand keys");
        using (admin)
        {
            var id = await admin.CreatePolicyAsync(new { name = "Standard", firstResponse = "PT1H" });
            var (_, key) = await Hub.CreateKeyAsync(workspaceId, "namshi ops", [Scopes.WorkflowManage], ["Namshi"]);
            using var limited = Hub.ClientWithKey(key);
            await HubApi.ReadJson(await limited.GetAsync($"/v1/sla-policies/{id}"), HttpStatusCode.OK);
            await HubApi.ReadProblem(
                await limited.PostAsJsonAsync("/v1/sla-policies", new { name = "Mine", firstResponse = "PT1H" }),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            await HubApi.ReadProblem(
                await limited.PutAsJsonAsync($"/v1/sla-policies/{id}", new { name = "Mine", firstResponse = "PT2H" }),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            await HubApi.ReadProblem(
                await limited.DeleteAsync($"/v1/sla-policies/{id}"),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
        }
    }

    [Test]
    public async Task Another_workspaces_policy_is_not_found_and_cannot_be_a_brands_default()
    {
        var (_, theirs) = await Hub.CreateTenantAsync("sla other workspace");
        var (_, ours) = await Hub.CreateTenantAsync("sla our workspace");
        using (theirs)
        using (ours)
        {
            var id = await theirs.CreatePolicyAsync(new { name = "Theirs", firstResponse = "PT1H" });
            await HubApi.ReadProblem(
                await ours.GetAsync($"/v1/sla-policies/{id}"),
                HttpStatusCode.NotFound,
                "not-found"
            );
            await HubApi.ReadProblem(
                await ours.PutAsJsonAsync($"/v1/sla-policies/{id}", new { name = "Mine", firstResponse = "PT2H" }),
                HttpStatusCode.NotFound,
                "not-found"
            );
            await HubApi.ReadProblem(
                await ours.PutAsJsonAsync("/v1/brands/acme", new { timeZone = "UTC", defaultSlaPolicyId = id }),
                HttpStatusCode.UnprocessableEntity,
                "unknown-sla-policy"
            );
        }
    }

    [Test]
    public async Task A_policy_that_is_a_brands_default_cannot_be_deleted_until_the_brand_lets_it_go()
    {
        var (_, client) = await Hub.CreateTenantAsync("sla in use");
        using (client)
        {
            var id = await client.CreatePolicyAsync(new { name = "Default", resolution = "P2D" });
            await client.ConfigureBrandAsync("Ounass", id);
            var refused = await HubApi.ReadProblem(
                await client.DeleteAsync($"/v1/sla-policies/{id}"),
                HttpStatusCode.Conflict,
                "conflict"
            );
            Assert.That(refused["detail"]!.GetValue<string>(), Does.Contain("'Ounass'"));

            await client.ConfigureBrandAsync("Ounass", null);
            Assert.That(
                (await client.DeleteAsync($"/v1/sla-policies/{id}")).StatusCode,
                Is.EqualTo(HttpStatusCode.NoContent)
            );
            await HubApi.ReadProblem(
                await client.PutAsJsonAsync("/v1/brands/Ounass", new { timeZone = "UTC", defaultSlaPolicyId = id }),
                HttpStatusCode.UnprocessableEntity,
                "unknown-sla-policy"
            );
        }
    }
}
