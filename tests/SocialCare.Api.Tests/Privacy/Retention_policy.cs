using System.Net;
using System.Net.Http.Json;
using Npgsql;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Privacy;

/// <summary>
/// Retention (issue 20, point 6): what a workspace no longer keeps is removed from the log, the read models and the
/// webhook payloads by the durable job, which reports what it did (<c>retention.applied</c>); what is younger, and
/// the facts, stay. Time passes by ageing the rows the job selects on, in the hub's own database.
/// </summary>
public sealed class Retention_policy : HubFixture
{
    protected override bool OwnDatabase => true;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Privacy:RetentionInterval"] = "00:00:00.200" };

    private async Task AgeAsync(string sql, params object[] values)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await command.ExecuteNonQueryAsync();
    }

    [Test]
    public async Task Old_text_attachments_and_long_resolved_conversations_go_and_the_rest_stays()
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync("retention");
        using (client)
        {
            var channel = await client.CreateChannelAsync("app-chat", "Careem");
            var (old, young, closed) = (
                "OLD" + Guid.NewGuid().ToString("N")[..10],
                "NEW" + Guid.NewGuid().ToString("N")[..10],
                "CLOSED" + Guid.NewGuid().ToString("N")[..10]
            );
            var oldIds = await client.IngestAsync(
                new
                {
                    channelId = channel,
                    platformMessageId = "m-old",
                    author = new { platformUserId = "rider-old", displayName = "Old rider" },
                    text = $"Old words {old} 🙏",
                    visibility = "private",
                    occurredAt = DateTimeOffset.UtcNow.AddSeconds(-1),
                    attachments = new[]
                    {
                        new
                        {
                            type = "image",
                            mediaType = "image/png",
                            url = $"https://cdn.example.com/{old}.png",
                        },
                    },
                }
            );
            await client.IngestAsync(HubApi.Engagement(channel, "m-young", "rider-young", $"Young words {young}"));
            var closedIds = await client.IngestAsync(
                HubApi.Engagement(
                    channel,
                    "m-closed",
                    "rider-closed",
                    $"Closed words {closed}",
                    threadKey: $"t-{closed}"
                )
            );
            var closedConversation = closedIds["conversationId"]!.GetValue<Guid>();
            await HubApi.ReadJson(
                await client.PostAsJsonAsync($"/v1/conversations/{closedConversation}/resolve", new { }),
                HttpStatusCode.OK
            );
            await client.WaitForEventsAsync(1, "conversation.resolved");

            // A key of another workspace, or without customers:erase, may not set it; bad durations are refused.
            var (_, narrowKey) = await Hub.CreateKeyAsync(workspaceId, "care", ["conversations:read"]);
            using var narrow = Hub.ClientWithKey(narrowKey);
            await HubApi.ReadProblem(
                await narrow.PutAsJsonAsync($"/v1/workspaces/{workspaceId}/retention", new { engagementText = "P90D" }),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            var (_, stranger) = await Hub.CreateTenantAsync("retention stranger");
            using (stranger)
            {
                await HubApi.ReadProblem(
                    await stranger.PutAsJsonAsync(
                        $"/v1/workspaces/{workspaceId}/retention",
                        new { engagementText = "P90D" }
                    ),
                    HttpStatusCode.NotFound,
                    "not-found"
                );
            }

            foreach (var bad in new[] { "90 days", "PT1H", "P0D", "P", "P300000Y", "P999999999999D" })
            {
                await HubApi.ReadProblem(
                    await client.PutAsJsonAsync(
                        $"/v1/workspaces/{workspaceId}/retention",
                        new { engagementText = bad }
                    ),
                    HttpStatusCode.BadRequest,
                    "validation-failed"
                );
            }

            // Time passes: the old message is 100 days old, the closed conversation was resolved 3 years ago.
            var oldEngagement = oldIds["engagementId"]!.GetValue<Guid>();
            await AgeAsync(
                "update engagements set received_at = now() - interval '100 days' where id = $1",
                oldEngagement
            );
            await AgeAsync(
                "update conversations set resolved_at = now() - interval '3 years' where id = $1",
                closedConversation
            );
            var set = await HubApi.ReadJson(
                await client.PutAsJsonAsync(
                    $"/v1/workspaces/{workspaceId}/retention",
                    new
                    {
                        engagementText = "P90D",
                        attachments = "P30D",
                        closedConversations = "P2Y",
                    }
                ),
                HttpStatusCode.OK
            );
            Assert.That(set["closedConversations"]!.GetValue<string>(), Is.EqualTo("P2Y"));

            var applied = await client.WaitForEventsAsync(1, "retention.applied");
            var first = applied[0]!["data"]!;
            var feed = await (await client.GetAsync("/v1/events?limit=500")).Content.ReadAsStringAsync();
            var oldView = await (
                await client.GetAsync($"/v1/conversations/{oldIds["conversationId"]}")
            ).Content.ReadAsStringAsync();
            var dump = await PgDump.RunAsync(ConnectionString);
            Assert.Multiple(() =>
            {
                Assert.That(first["texts"]!.GetValue<int>(), Is.EqualTo(1));
                Assert.That(first["attachments"]!.GetValue<int>(), Is.EqualTo(1));
                Assert.That(first["conversations"]!.GetValue<int>(), Is.EqualTo(1));
                Assert.That(feed, Does.Not.Contain(old).And.Not.Contain(closed));
                Assert.That(feed, Does.Contain(young), "younger than the policy");
                Assert.That(
                    feed,
                    Does.Contain("rider-old"),
                    "an old message keeps its author until its conversation goes"
                );
                Assert.That(oldView, Does.Not.Contain(old));
                Assert.That(dump, Does.Not.Contain(old).And.Not.Contain(closed));
                Assert.That(dump, Does.Contain(young));
            });

            // The job does nothing more until something else falls due.
            var again = await HubApi.ReadJson(
                await client.GetAsync($"/v1/workspaces/{workspaceId}/retention"),
                HttpStatusCode.OK
            );
            Assert.That(again["engagementText"]!.GetValue<string>(), Is.EqualTo("P90D"));
            var stillOne = await client.WaitForEventsAsync(1, "retention.applied");
            Assert.That(stillOne, Has.Count.EqualTo(1));
        }
    }
}
