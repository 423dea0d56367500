using System.Net;
using System.Text.Json.Nodes;
using Npgsql;
using SocialCare.Api.Tests.Support;
using SocialCare.Api.Tests.Workflow;

namespace SocialCare.Api.Tests.Reports;

/// <summary>
/// Reports are a projection of the event log (issue 19, point 4): emptied and projected again from the whole log, they
/// give the same figures, to the last percentile — for events written with known times and for conversations driven
/// through the API. A database of its own: a rebuild empties the reports of every workspace.
/// </summary>
public sealed class Report_rebuild : HubFixture
{
    protected override bool OwnDatabase => true;

    private static readonly string[] Reports =
    [
        "response-times?groupBy=day&timeZone=Europe/Amsterdam",
        "response-times?groupBy=team&businessHours=true",
        "response-times?groupBy=channel",
        "volume?interval=hour&groupBy=visibility",
        "feedback?groupBy=week",
    ];

    private static async Task<List<string>> ReadAllAsync(HttpClient client, string range)
    {
        var reports = new List<string>();
        foreach (var report in Reports)
        {
            var body = await HubApi.ReadJson(await client.GetAsync($"/v1/reports/{report}&{range}"), HttpStatusCode.OK);
            body.AsObject().Remove("asOf");
            reports.Add(body.ToJsonString());
        }

        return reports;
    }

    [Test]
    public async Task Rebuilt_reports_give_the_same_figures()
    {
        var (workspace, client) = await Hub.CreateTenantAsync("report rebuild");
        using (client)
        {
            var story = await ReportStory.TellAsync(Hub, ConnectionString, workspace, client);

            // And a conversation driven through the API today: answered, resolved, rated.
            var channel = await client.CreateChannelAsync("app-chat", ReportStory.Brand);
            var conversation = (
                await client.IngestAsync(HubApi.Engagement(channel, $"rb-{Guid.NewGuid():N}", "cust-rb", "Hello"))
            )["conversationId"]!.GetValue<Guid>();
            await client.ActAsync(conversation, "acknowledge", new { });
            await client.ActAsync(conversation, "resolve", new { reason = "answered" });
            await client.ActAsync(conversation, "feedback", new { kind = "nes", score = 6 });
            await story.WaitUntilProjectedAsync(client);
            var today = DateTimeOffset.UtcNow;
            var range = $"from={ReportStory.From:yyyy-MM-ddTHH:mm:ssZ}&to={today.AddHours(2):yyyy-MM-ddTHH:mm:ssZ}";
            var before = await ReadAllAsync(client, range);
            var live = JsonNode.Parse(before[0])!["total"]!;

            // Figures tampered with in the database: only a projection from the log can give the right ones back.
            await using (var connection = new NpgsqlConnection(ConnectionString))
            {
                await connection.OpenAsync();
                foreach (
                    var sql in new[]
                    {
                        "update report_response_hours set counts[1] = counts[1] + 100 where workspace_id = $1",
                        "update report_response_days set counts[1] = counts[1] + 100 where workspace_id = $1",
                        "update report_volume set inbound = inbound + 100 where workspace_id = $1",
                        "update report_feedback set responses = responses + 100 where workspace_id = $1",
                    }
                )
                {
                    await using var tamper = new NpgsqlCommand(sql, connection);
                    tamper.Parameters.Add(new NpgsqlParameter { Value = workspace });
                    await tamper.ExecuteNonQueryAsync();
                }
            }

            var tampered = await ReadAllAsync(client, range);
            using var admin = Hub.AdminClient();
            await HubApi.ReadProblem(
                await client.PostAsync("/v1/admin/reports/rebuild", null),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            var rebuild = await HubApi.ReadJson(
                await admin.PostAsync("/v1/admin/reports/rebuild", null),
                HttpStatusCode.Accepted
            );
            await story.WaitUntilProjectedAsync(client);
            var after = await ReadAllAsync(client, range);

            Assert.Multiple(() =>
            {
                Assert.That(live["opened"]!.GetValue<long>(), Is.EqualTo(4), "the story's three and today's");
                Assert.That(live["acknowledged"]!.GetValue<long>(), Is.EqualTo(3));
                Assert.That(rebuild["head"]!.GetValue<long>(), Is.Positive);
                Assert.That(
                    tampered.Zip(before).Count(p => p.First == p.Second),
                    Is.Zero,
                    "every report was tampered with"
                );
                Assert.That(after, Is.EqualTo(before));
            });
        }
    }
}
