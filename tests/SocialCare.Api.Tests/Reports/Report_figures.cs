using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using SocialCare.Api.Authorization;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Reports;

/// <summary>
/// Reports (issue 19): every figure of <see cref="ReportStory"/> checked exactly — a reopen, an out-of-hours weekend
/// and the change to summer time — by brand's business hours or the wall clock, grouped by time in the brand's zone and
/// by channel, team and priority; volume and feedback; the same rows as CSV.
/// </summary>
public sealed class Report_figures : HubFixture
{
    private async Task<HttpClient> StoryAsync(string name, string team = "care")
    {
        var (workspace, client) = await Hub.CreateTenantAsync(name);
        await ReportStory.TellAsync(Hub, ConnectionString, workspace, client, team);
        return client;
    }

    private static long N(JsonNode node, string path) => Walk(node, path)!.GetValue<long>();

    private static double? D(JsonNode node, string path) => Walk(node, path)?.GetValue<double>();

    private static JsonNode? Walk(JsonNode node, string path) =>
        path.Split('.').Aggregate((JsonNode?)node, (n, p) => n?[p]);

    private static void AssertDuration(JsonNode row, string name, long count, double mean, int p50, int p90, int p99)
    {
        Assert.That(N(row, $"{name}.count"), Is.EqualTo(count), $"{name}.count");
        Assert.That(D(row, $"{name}.mean"), Is.EqualTo(mean), $"{name}.mean");
        Assert.That(N(row, $"{name}.p50"), Is.EqualTo(p50), $"{name}.p50");
        Assert.That(N(row, $"{name}.p90"), Is.EqualTo(p90), $"{name}.p90");
        Assert.That(N(row, $"{name}.p99"), Is.EqualTo(p99), $"{name}.p99");
    }

    [Test]
    public async Task Every_figure_adds_up_exactly_across_a_reopen_a_weekend_and_the_change_to_summer_time()
    {
        using var client = await StoryAsync("report exact");
        var report = await ReportStory.GetAsync(client, "response-times");
        var total = report["total"]!;
        Assert.Multiple(() =>
        {
            Assert.That(report["from"]!.GetValue<DateTimeOffset>(), Is.EqualTo(ReportStory.From));
            Assert.That(report["to"]!.GetValue<DateTimeOffset>(), Is.EqualTo(ReportStory.To));
            Assert.That(report["rows"]!.AsArray(), Is.Empty, "no groupBy: the total only");
            Assert.That(N(total, "opened"), Is.EqualTo(3));
            Assert.That(N(total, "reopened"), Is.EqualTo(1));
            Assert.That(N(total, "acknowledged"), Is.EqualTo(2));
            Assert.That(N(total, "responded"), Is.EqualTo(3));
            Assert.That(N(total, "resolved"), Is.EqualTo(3));
            AssertDuration(total, "timeToAcknowledge", 2, 330, 60, 600, 600);
            // 1,800 s, 166,500 s (a bin of 160,000) and 300 s.
            AssertDuration(total, "timeToFirstResponse", 3, 56_200, 1_800, 160_000, 160_000);
            // 234,000 s (65 hours over the change to summer time), 168,300 s (160,000) and 1,200 s.
            AssertDuration(total, "timeToResolution", 3, 134_500, 160_000, 230_000, 230_000);
            Assert.That(D(total, "answeredWithin.within15Minutes"), Is.EqualTo(0.25));
            Assert.That(D(total, "answeredWithin.within1Hour"), Is.EqualTo(0.5));
            Assert.That(D(total, "answeredWithin.within24Hours"), Is.EqualTo(0.5));
            Assert.That(N(total, "firstContactResolution.count"), Is.EqualTo(1), "A: one reply, never reopened");
            Assert.That(D(total, "firstContactResolution.rate"), Is.EqualTo(0.5), "of A and B's first episode");
            Assert.That(N(total, "sla.firstResponse.met"), Is.EqualTo(1));
            Assert.That(N(total, "sla.firstResponse.breached"), Is.EqualTo(1));
            Assert.That(N(total, "sla.resolution.met") + N(total, "sla.nextResponse.breached"), Is.Zero);
        });
    }

    [Test]
    public async Task In_business_hours_only_the_brands_opening_hours_count()
    {
        using var client = await StoryAsync("report business hours");
        var report = await ReportStory.GetAsync(client, "response-times", "businessHours=true");
        var total = report["total"]!;
        Assert.Multiple(() =>
        {
            Assert.That(report["businessHours"]!.GetValue<bool>(), Is.True);
            AssertDuration(total, "timeToAcknowledge", 2, 330, 60, 600, 600);
            // A 1,800 s; B's weekend does not count: 900 s from Monday 09:00; B reopened 300 s.
            AssertDuration(total, "timeToFirstResponse", 3, 1_000, 900, 1_800, 1_800);
            // A: Friday 16:00–17:00 and Monday 09:00–10:00; B 2,700 s and 1,200 s.
            AssertDuration(total, "timeToResolution", 3, 3_700, 2_700, 7_200, 7_200);
            Assert.That(D(total, "answeredWithin.within15Minutes"), Is.EqualTo(0.5));
            Assert.That(D(total, "answeredWithin.within1Hour"), Is.EqualTo(0.75));
        });
    }

    [Test]
    public async Task Days_are_the_zones_days_and_groups_split_the_total()
    {
        using var client = await StoryAsync("report groups");
        var days = (await ReportStory.GetAsync(client, "response-times", "groupBy=day&timeZone=Europe/Amsterdam"))[
            "rows"
        ]!.AsArray();
        var channels = (await ReportStory.GetAsync(client, "response-times", "groupBy=channelType"))["rows"]!.AsArray();
        var teams = (await ReportStory.GetAsync(client, "response-times", "groupBy=team"))["rows"]!.AsArray();
        var priorities = (await ReportStory.GetAsync(client, "response-times", "groupBy=priority"))["rows"]!.AsArray();
        var brands = (await ReportStory.GetAsync(client, "response-times", "groupBy=brand"))["rows"]!.AsArray();
        string?[] Keys(JsonArray rows) => [.. rows.Select(r => r!["key"]?.GetValue<string>())];
        Assert.Multiple(() =>
        {
            // From 01:00 on the 27th to 02:00 on the 31st, Amsterdam time: five days, the 29th empty but listed.
            Assert.That(
                Keys(days),
                Is.EqualTo(new[] { "2026-03-27", "2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31" })
            );
            Assert.That(days.Select(d => N(d!, "opened")), Is.EqualTo(new long[] { 1, 1, 0, 1, 0 }));
            Assert.That(days.Select(d => N(d!, "reopened")), Is.EqualTo(new long[] { 0, 0, 0, 1, 0 }));
            Assert.That(Keys(channels), Is.EqualTo(new[] { "messenger", "whatsapp" }));
            AssertDuration(channels[0]!, "timeToFirstResponse", 2, 83_400, 300, 160_000, 160_000);
            AssertDuration(channels[1]!, "timeToAcknowledge", 2, 330, 60, 600, 600);
            Assert.That(Keys(teams), Is.EqualTo(new[] { null, "care" }), "B was never assigned");
            Assert.That(teams.Select(t => N(t!, "opened") + N(t!, "reopened")), Is.EqualTo(new long[] { 2, 2 }));
            Assert.That(Keys(priorities), Is.EqualTo(new[] { "high", "normal" }), "B became high while open");
            Assert.That(N(priorities[0]!, "reopened"), Is.EqualTo(1), "the reopened episode keeps the priority");
            Assert.That(Keys(brands), Is.EqualTo(new[] { ReportStory.Brand }));
        });
    }

    [Test]
    public async Task Volume_counts_engagements_replies_and_new_customers_per_day_of_the_zone()
    {
        using var client = await StoryAsync("report volume");
        var report = await ReportStory.GetAsync(
            client,
            "volume",
            "interval=day&groupBy=channelType&timeZone=Europe/Amsterdam"
        );
        var rows = report["rows"]!.AsArray();
        string Line(JsonNode r) =>
            $"{r["start"]!.GetValue<string>()} {r["key"]!.GetValue<string>()} "
            + $"{N(r, "inbound")}/{N(r, "outbound")}/{N(r, "newCustomers")}";
        Assert.Multiple(() =>
        {
            Assert.That(
                rows.Select(r => Line(r!)),
                Is.EqualTo(
                    new[]
                    {
                        "2026-03-27T00:00:00+01:00 messenger 0/0/0",
                        "2026-03-27T00:00:00+01:00 whatsapp 1/1/1",
                        "2026-03-28T00:00:00+01:00 messenger 1/0/1",
                        "2026-03-28T00:00:00+01:00 whatsapp 0/0/0",
                        "2026-03-29T00:00:00+01:00 messenger 0/0/0",
                        "2026-03-29T00:00:00+01:00 whatsapp 0/0/0",
                        "2026-03-30T00:00:00+02:00 messenger 1/2/0",
                        "2026-03-30T00:00:00+02:00 whatsapp 1/0/0",
                        "2026-03-31T00:00:00+02:00 messenger 0/0/0",
                        "2026-03-31T00:00:00+02:00 whatsapp 0/0/0",
                    }
                )
            );
            Assert.That(N(report["total"]!, "inbound"), Is.EqualTo(4));
            Assert.That(N(report["total"]!, "outbound"), Is.EqualTo(3));
            Assert.That(N(report["total"]!, "newCustomers"), Is.EqualTo(2), "C's customer is A's");
        });
    }

    [Test]
    public async Task Feedback_gives_counts_means_distributions_and_scores_per_kind()
    {
        using var client = await StoryAsync("report feedback");
        var kinds = (await ReportStory.GetAsync(client, "feedback"))["rows"]!.AsArray();
        var teams = (await ReportStory.GetAsync(client, "feedback", "groupBy=team"))["rows"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That(kinds.Select(k => k!["kind"]!.GetValue<string>()), Is.EqualTo(new[] { "csat", "nps" }));
            Assert.That(N(kinds[0]!, "responses"), Is.EqualTo(2));
            Assert.That(D(kinds[0]!, "mean"), Is.EqualTo(3.5));
            Assert.That(D(kinds[0]!, "score"), Is.EqualTo(50), "CSAT: the share of 4 and 5");
            Assert.That(kinds[0]!["distribution"]!.ToJsonString(), Is.EqualTo("""{"1":0,"2":1,"3":0,"4":0,"5":1}"""));
            Assert.That(D(kinds[1]!, "mean"), Is.EqualTo(7.5));
            Assert.That(D(kinds[1]!, "score"), Is.EqualTo(0), "NPS: 50% promoters less 50% detractors");
            Assert.That(kinds[1]!["distribution"]!.AsObject().Count, Is.EqualTo(11), "0 to 10");
            Assert.That(
                teams.Select(t =>
                    $"{t!["kind"]!.GetValue<string>()} {t["key"]?.GetValue<string>() ?? "-"} {N(t, "responses")}"
                ),
                Is.EqualTo(new[] { "csat - 1", "csat care 1", "nps - 1", "nps care 1" })
            );
        });
    }

    [Test]
    public async Task Csv_gives_the_same_rows_as_json()
    {
        using var client = await StoryAsync("report csv");
        var json = await ReportStory.GetAsync(client, "response-times", "groupBy=channelType");
        using var request = new HttpRequestMessage(
            HttpMethod.Get,
            $"/v1/reports/response-times?{ReportStory.Range}&groupBy=channelType"
        );
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        using var response = await client.SendAsync(request);
        var csv = await response.Content.ReadAsStringAsync();
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        string Cell(int line, string column) => lines[line].Split(',')[Array.IndexOf(header, column)];
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/csv"));
            Assert.That(lines, Has.Length.EqualTo(4), "header, messenger, whatsapp, total");
            Assert.That(header[0], Is.EqualTo("key"));
            Assert.That(Cell(1, "key"), Is.EqualTo("messenger"));
            Assert.That(Cell(3, "key"), Is.EqualTo("total"));
            Assert.That(Cell(1, "timeToFirstResponse.mean"), Is.EqualTo("83400"));
            Assert.That(
                Cell(2, "timeToAcknowledge.p90"),
                Is.EqualTo(json["rows"]![1]!["timeToAcknowledge"]!["p90"]!.ToJsonString())
            );
            Assert.That(Cell(3, "firstContactResolution.rate"), Is.EqualTo("0.5"));
            Assert.That(Cell(2, "sla.firstResponse.met"), Is.EqualTo("1"));
        });
    }

    [Test]
    public async Task A_team_named_like_a_formula_stays_text_in_csv()
    {
        using var client = await StoryAsync("report csv injection", team: "=HYPERLINK(\"http://evil\",\"x\")");
        using var request = new HttpRequestMessage(
            HttpMethod.Get,
            $"/v1/reports/feedback?{ReportStory.Range}&groupBy=team"
        );
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var csv = await (await client.SendAsync(request)).Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(csv, Does.Contain("\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\""));
            Assert.That(csv.Split("\r\n").Where(l => l.Contains("HYPERLINK")), Has.All.Not.Contains(",=H"));
        });
    }

    [Test]
    public async Task Reports_need_their_scope_and_show_only_the_workspaces_and_keys_brands()
    {
        var (workspace, client) = await Hub.CreateTenantAsync("report access");
        using (client)
        {
            await ReportStory.TellAsync(Hub, ConnectionString, workspace, client);
            var (_, otherBrandKey) = await Hub.CreateKeyAsync(workspace, "other brand", [Scopes.ReportsRead], ["zeta"]);
            var (_, ownBrandKey) = await Hub.CreateKeyAsync(workspace, "own brand", [Scopes.ReportsRead], ["acme"]);
            var (_, noScopeKey) = await Hub.CreateKeyAsync(workspace, "no scope", [Scopes.ConversationsRead]);
            var (_, stranger) = await Hub.CreateTenantAsync("report stranger");
            using var otherBrand = Hub.ClientWithKey(otherBrandKey);
            using var ownBrand = Hub.ClientWithKey(ownBrandKey);
            using var noScope = Hub.ClientWithKey(noScopeKey);
            using (stranger)
            {
                await HubApi.ReadProblem(
                    await noScope.GetAsync($"/v1/reports/response-times?{ReportStory.Range}"),
                    HttpStatusCode.Forbidden,
                    "forbidden"
                );
                var strangers = await ReportStory.GetAsync(stranger, "response-times");
                var others = await ReportStory.GetAsync(otherBrand, "volume");
                var owns = await ReportStory.GetAsync(ownBrand, "feedback");
                Assert.Multiple(() =>
                {
                    Assert.That(N(strangers["total"]!, "opened"), Is.Zero, "another workspace sees none of it");
                    Assert.That(N(others["total"]!, "inbound"), Is.Zero, "a key of another brand sees none of it");
                    Assert.That(owns["rows"]!.AsArray(), Has.Count.EqualTo(2), "a key of the brand sees it");
                });
            }
        }
    }

    [TestCase("groupBy=colour", TestName = "An unknown groupBy is refused")]
    [TestCase("timeZone=Mars/Olympus_Mons", TestName = "An unknown time zone is refused")]
    [TestCase("timeZone=W.%20Europe%20Standard%20Time", TestName = "A Windows time zone name is refused")]
    [TestCase(
        "from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z",
        TestName = "A range that ends before it starts is refused"
    )]
    [TestCase("from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", TestName = "A range over 400 days is refused")]
    [TestCase("interval=minute", TestName = "An unknown interval is refused")]
    public async Task Bad_report_parameters_are_problems(string query)
    {
        var (_, client) = await Hub.CreateTenantAsync("report bad input");
        using (client)
        {
            var report = query.StartsWith("interval", StringComparison.Ordinal) ? "volume" : "response-times";
            var problem = await HubApi.ReadProblem(
                await client.GetAsync($"/v1/reports/{report}?{query}"),
                HttpStatusCode.BadRequest,
                "bad-request"
            );
            Assert.That(problem["detail"]!.GetValue<string>(), Is.Not.Empty);
        }
    }
}
