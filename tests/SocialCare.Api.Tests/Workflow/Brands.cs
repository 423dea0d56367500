using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.Authorization;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Workflow;

/// <summary>
/// Brands as resources (issue 18, point 1): a brand's time zone, business hours, holidays and languages, set with PUT,
/// versioned by its event stream (ETag / If-Match), every change an event with its actor, within the key's brands.
/// </summary>
public sealed class Brands : HubFixture
{
    private static object Riyadh(string? displayName = "أكمي السعودية 🇸🇦") =>
        new
        {
            displayName,
            timeZone = "Asia/Riyadh",
            businessHours = new Dictionary<string, object[]>
            {
                ["sun"] = [new { from = "09:00", to = "13:00" }, new { from = "14:00", to = "17:00" }],
                ["mon"] = [new { from = "09:00", to = "17:00" }],
                ["thu"] = [new { from = "09:00", to = "24:00" }],
            },
            holidays = new[] { "2026-12-02" },
            languages = new[] { "ar", "en" },
        };

    [Test]
    public async Task A_brand_is_configured_read_changed_and_removed_each_change_an_event_with_its_actor()
    {
        var (_, client) = await Hub.CreateTenantAsync("brands story");
        using (client)
        {
            client.DefaultRequestHeaders.Add("X-Actor", "ops-lead");
            var created = await client.PutAsJsonAsync("/v1/brands/acme-ksa", Riyadh());
            var body = await HubApi.ReadJson(created, HttpStatusCode.Created);
            Assert.Multiple(() =>
            {
                Assert.That(created.Headers.Location?.ToString(), Is.EqualTo("/v1/brands/acme-ksa"));
                Assert.That(created.Headers.ETag?.Tag, Is.EqualTo("\"1\""));
                Assert.That(body["displayName"]!.GetValue<string>(), Is.EqualTo("أكمي السعودية 🇸🇦"));
                Assert.That(body["businessHours"]!["sun"]!.AsArray(), Has.Count.EqualTo(2));
                Assert.That(body["businessHours"]!["thu"]![0]!["to"]!.GetValue<string>(), Is.EqualTo("24:00"));
                Assert.That(body["holidays"]![0]!.GetValue<string>(), Is.EqualTo("2026-12-02"));
            });

            var same = await client.PutAsJsonAsync("/v1/brands/acme-ksa", Riyadh());
            Assert.That((await HubApi.ReadJson(same, HttpStatusCode.OK))["version"]!.GetValue<long>(), Is.EqualTo(1));

            var renamed = await client.PutAsJsonAsync("/v1/brands/acme-ksa", Riyadh("Acme KSA"));
            Assert.That(renamed.Headers.ETag?.Tag, Is.EqualTo("\"2\""));
            var read = await client.GetAsync("/v1/brands/acme-ksa");
            Assert.Multiple(async () =>
            {
                Assert.That(read.Headers.ETag?.Tag, Is.EqualTo("\"2\""));
                var settings = await HubApi.ReadJson(read, HttpStatusCode.OK);
                Assert.That(settings["displayName"]!.GetValue<string>(), Is.EqualTo("Acme KSA"));
            });

            Assert.That(
                (await client.DeleteAsync("/v1/brands/acme-ksa")).StatusCode,
                Is.EqualTo(HttpStatusCode.NoContent)
            );
            await HubApi.ReadProblem(
                await client.GetAsync("/v1/brands/acme-ksa"),
                HttpStatusCode.NotFound,
                "not-found"
            );
            await HubApi.ReadProblem(
                await client.DeleteAsync("/v1/brands/acme-ksa"),
                HttpStatusCode.NotFound,
                "not-found"
            );
            var again = await client.PutAsJsonAsync("/v1/brands/acme-ksa", Riyadh());
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(again.Headers.ETag?.Tag, Is.EqualTo("\"4\""), "the brand's stream goes on after a removal");

            var events = await client.WaitForEventsAsync(4, "brand.*");
            Assert.Multiple(() =>
            {
                Assert.That(
                    events.Select(e => e!["type"]!.GetValue<string>()),
                    Is.EqualTo(new[] { "brand.configured", "brand.configured", "brand.removed", "brand.configured" })
                );
                Assert.That(
                    events.Select(e => e!["data"]!["actor"]!["person"]!.GetValue<string>()),
                    Is.All.EqualTo("ops-lead")
                );
                Assert.That(events.Select(e => e!["data"]!["brand"]!.GetValue<string>()), Is.All.EqualTo("acme-ksa"));
                Assert.That(events[0]!["data"]!["timeZone"]!.GetValue<string>(), Is.EqualTo("Asia/Riyadh"));
            });
        }
    }

    [Test]
    public async Task A_stale_if_match_is_refused_and_a_current_one_is_honoured()
    {
        var (_, client) = await Hub.CreateTenantAsync("brands if-match");
        using (client)
        {
            await HubApi.ReadJson(await client.PutAsJsonAsync("/v1/brands/acme", Riyadh()), HttpStatusCode.Created);
            await HubApi.ReadJson(await client.PutAsJsonAsync("/v1/brands/acme", Riyadh("second")), HttpStatusCode.OK);
            await HubApi.ReadProblem(
                await client.SendIfMatchAsync(HttpMethod.Put, "/v1/brands/acme", "\"1\"", Riyadh("stale")),
                HttpStatusCode.PreconditionFailed,
                "precondition-failed"
            );
            await HubApi.ReadProblem(
                await client.SendIfMatchAsync(HttpMethod.Put, "/v1/brands/acme", "\"1\"", Riyadh("second")),
                HttpStatusCode.PreconditionFailed,
                "precondition-failed"
            );
            var current = await client.SendIfMatchAsync(HttpMethod.Put, "/v1/brands/acme", "\"2\"", Riyadh("third"));
            Assert.That(current.Headers.ETag?.Tag, Is.EqualTo("\"3\""));
            await HubApi.ReadProblem(
                await client.SendIfMatchAsync(HttpMethod.Delete, "/v1/brands/acme", "\"2\"", null),
                HttpStatusCode.PreconditionFailed,
                "precondition-failed"
            );
            await HubApi.ReadProblem(
                await client.SendIfMatchAsync(HttpMethod.Put, "/v1/brands/acme", "yesterday", Riyadh()),
                HttpStatusCode.BadRequest,
                "bad-request"
            );
        }
    }

    [TestCase("Mars/Olympus_Mons", "timeZone")]
    [TestCase("Arab Standard Time", "timeZone")]
    [TestCase("", "timeZone")]
    public async Task A_time_zone_is_an_iana_zone_the_hub_knows(string zone, string field)
    {
        var (_, client) = await Hub.CreateTenantAsync("brands zone " + field);
        using (client)
        {
            var problem = await HubApi.ReadProblem(
                await client.PutAsJsonAsync("/v1/brands/acme", new { timeZone = zone }),
                HttpStatusCode.BadRequest,
                "validation-failed"
            );
            Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Does.Contain(field));
        }
    }

    [Test]
    public async Task Business_hours_must_be_days_of_ordered_openings_that_do_not_overlap()
    {
        var (_, client) = await Hub.CreateTenantAsync("brands hours");
        using (client)
        {
            foreach (
                var hours in new object[]
                {
                    new Dictionary<string, object[]> { ["someday"] = [new { from = "09:00", to = "17:00" }] },
                    new Dictionary<string, object[]> { ["mon"] = [new { from = "17:00", to = "09:00" }] },
                    new Dictionary<string, object[]> { ["mon"] = [new { from = "9am", to = "5pm" }] },
                    new Dictionary<string, object[]>
                    {
                        ["mon"] = [new { from = "09:00", to = "13:00" }, new { from = "12:00", to = "17:00" }],
                    },
                    new Dictionary<string, object[]> { ["mon"] = [new { from = "09:00", to = "24:30" }] },
                    new Dictionary<string, object[]> { ["mon"] = [] },
                }
            )
            {
                await HubApi.ReadProblem(
                    await client.PutAsJsonAsync("/v1/brands/acme", new { timeZone = "UTC", businessHours = hours }),
                    HttpStatusCode.BadRequest,
                    "validation-failed"
                );
            }

            await HubApi.ReadProblem(
                await client.PutAsJsonAsync(
                    "/v1/brands/acme",
                    new { timeZone = "UTC", defaultSlaPolicyId = Guid.NewGuid() }
                ),
                HttpStatusCode.UnprocessableEntity,
                "unknown-sla-policy"
            );
            await HubApi.ReadProblem(await client.GetAsync("/v1/brands/acme"), HttpStatusCode.NotFound, "not-found");
        }
    }

    [Test]
    public async Task A_key_sees_and_changes_only_its_own_brands_and_workspace_with_the_workflow_scope()
    {
        var workspaceId = await Hub.CreateWorkspaceAsync("brands keys");
        var (_, everyBrand) = await Hub.CreateKeyAsync(workspaceId, "ops", [Scopes.WorkflowManage]);
        var (_, ksaOnly) = await Hub.CreateKeyAsync(workspaceId, "ksa ops", [Scopes.WorkflowManage], ["acme-ksa"]);
        var (_, reader) = await Hub.CreateKeyAsync(workspaceId, "crm", [Scopes.ConversationsRead]);
        var (_, stranger) = await Hub.CreateTenantAsync("brands stranger");
        using var ops = Hub.ClientWithKey(everyBrand);
        using var ksa = Hub.ClientWithKey(ksaOnly);
        using var crm = Hub.ClientWithKey(reader);
        using (stranger)
        {
            await HubApi.ReadJson(await ops.PutAsJsonAsync("/v1/brands/acme-uae", Riyadh()), HttpStatusCode.Created);
            await HubApi.ReadJson(await ksa.PutAsJsonAsync("/v1/brands/acme-ksa", Riyadh()), HttpStatusCode.Created);
            await HubApi.ReadProblem(
                await ksa.PutAsJsonAsync("/v1/brands/acme-uae", Riyadh()),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            await HubApi.ReadProblem(await ksa.GetAsync("/v1/brands/acme-uae"), HttpStatusCode.NotFound, "not-found");
            await HubApi.ReadProblem(
                await ksa.DeleteAsync("/v1/brands/acme-uae"),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            var ksaList = await HubApi.ReadJson(await ksa.GetAsync("/v1/brands"), HttpStatusCode.OK);
            var opsList = await HubApi.ReadJson(await ops.GetAsync("/v1/brands"), HttpStatusCode.OK);
            Assert.Multiple(() =>
            {
                Assert.That(Names(ksaList), Is.EqualTo(new[] { "acme-ksa" }));
                Assert.That(Names(opsList), Is.EqualTo(new[] { "acme-ksa", "acme-uae" }));
            });
            await HubApi.ReadProblem(await crm.GetAsync("/v1/brands"), HttpStatusCode.Forbidden, "forbidden");
            await HubApi.ReadProblem(
                await stranger.GetAsync("/v1/brands/acme-ksa"),
                HttpStatusCode.NotFound,
                "not-found"
            );
            Assert.That(
                Names(await HubApi.ReadJson(await stranger.GetAsync("/v1/brands"), HttpStatusCode.OK)),
                Is.Empty
            );
        }
    }

    [Test]
    public async Task Concurrent_changes_without_if_match_all_land_one_after_the_other()
    {
        var (_, client) = await Hub.CreateTenantAsync("brands concurrent");
        using (client)
        {
            var answers = await Task.WhenAll(
                Enumerable.Range(0, 8).Select(i => client.PutAsJsonAsync("/v1/brands/acme", Riyadh($"version {i}")))
            );
            var read = await client.GetAsync("/v1/brands/acme");
            Assert.Multiple(() =>
            {
                Assert.That(answers.Count(a => a.StatusCode == HttpStatusCode.Created), Is.EqualTo(1));
                Assert.That(answers.Count(a => a.StatusCode == HttpStatusCode.OK), Is.EqualTo(7));
                Assert.That(
                    answers.Select(a => a.Headers.ETag?.Tag).Order(),
                    Is.EquivalentTo(Enumerable.Range(1, 8).Select(v => $"\"{v}\""))
                );
                Assert.That(read.Headers.ETag?.Tag, Is.EqualTo("\"8\""));
            });
        }
    }

    [Test]
    public async Task A_brand_says_whether_it_is_open_now_and_when_it_opens_next()
    {
        var (_, client) = await Hub.CreateTenantAsync("brands open");
        using (client)
        {
            var allDay = new[] { new { from = "00:00", to = "24:00" } };
            var everyDay = new[] { "sun", "mon", "tue", "wed", "thu", "fri", "sat" }.ToDictionary(d => d, _ => allDay);
            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            var open = await HubApi.ReadJson(
                await client.PutAsJsonAsync("/v1/brands/open", new { timeZone = "UTC", businessHours = everyDay }),
                HttpStatusCode.Created
            );
            // Closed from yesterday to tomorrow (whichever day the hub's clock says it is), open again the day after.
            var closed = await HubApi.ReadJson(
                await client.PutAsJsonAsync(
                    "/v1/brands/closed",
                    new
                    {
                        timeZone = "UTC",
                        businessHours = everyDay,
                        holidays = new[] { today.AddDays(-1), today, today.AddDays(1) },
                    }
                ),
                HttpStatusCode.Created
            );
            var unconfigured = await HubApi.ReadJson(
                await client.PutAsJsonAsync("/v1/brands/always", new { timeZone = "Asia/Riyadh" }),
                HttpStatusCode.Created
            );
            Assert.Multiple(() =>
            {
                Assert.That(open["openNow"]!.GetValue<bool>(), Is.True);
                Assert.That(unconfigured["openNow"]!.GetValue<bool>(), Is.True, "no hours: always open");
                Assert.That(closed["openNow"]!.GetValue<bool>(), Is.False);
                Assert.That(
                    closed["nextOpeningAt"]!.GetValue<DateTimeOffset>(),
                    Is.EqualTo(new DateTimeOffset(today.AddDays(2).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero))
                );
            });
        }
    }

    [Test]
    public async Task Brands_are_listed_in_pages()
    {
        var (_, client) = await Hub.CreateTenantAsync("brands pages");
        using (client)
        {
            foreach (var brand in new[] { "b", "a", "D", "c", "e" })
            {
                await HubApi.ReadJson(
                    await client.PutAsJsonAsync($"/v1/brands/{brand}", new { timeZone = "Europe/London" }),
                    HttpStatusCode.Created
                );
            }

            var seen = new List<string>();
            string? after = null;
            do
            {
                var page = await HubApi.ReadJson(
                    await client.GetAsync($"/v1/brands?limit=2{(after is null ? "" : "&after=" + after)}"),
                    HttpStatusCode.OK
                );
                seen.AddRange(Names(page));
                after = page["next"]?.GetValue<string>();
            } while (after is not null);

            Assert.That(seen, Is.EqualTo(new[] { "D", "a", "b", "c", "e" }), "byte order, as the cursor compares");
        }
    }

    private static string[] Names(JsonNode page) =>
        page["items"]!.AsArray().Select(b => b!["brand"]!.GetValue<string>()).ToArray();
}
