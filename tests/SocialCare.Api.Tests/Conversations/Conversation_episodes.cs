using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Conversations;

/// <summary>
/// Each opening of a conversation is an episode (issue 18, point 6): a reopening, by an app or by the customer writing
/// again, starts new acknowledgement and resolution clocks. Before, a reopened conversation kept its old
/// acknowledgement (and refused a new one), and its time to resolve counted the days it sat resolved.
/// </summary>
public sealed class Conversation_episodes : HubFixture
{
    [Test]
    public async Task A_reopened_conversation_is_acknowledged_and_resolved_again_counting_from_the_reopening()
    {
        var (client, _, id) = await ArrangeAsync("episodes by app", "447700900201");
        using (client)
        {
            await Act(client, id, "acknowledge");
            await Act(client, id, "resolve", new { reason = "answered" });
            await MoveBackAsync(id, TimeSpan.FromDays(3));

            await Act(client, id, "reopen");
            var reopened = await Conversation(client, id);
            Assert.Multiple(() =>
            {
                Assert.That(reopened["episode"]!.GetValue<int>(), Is.EqualTo(2));
                Assert.That(reopened["acknowledgedAt"], Is.Null, "a new episode is unacknowledged");
                Assert.That(
                    reopened["episodeOpenedAt"]!.GetValue<DateTimeOffset>(),
                    Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(1))
                );
                Assert.That(
                    reopened["openedAt"]!.GetValue<DateTimeOffset>(),
                    Is.LessThan(DateTimeOffset.UtcNow.AddDays(-2)),
                    "the conversation's own opening stays"
                );
            });

            await Act(client, id, "acknowledge");
            await Act(client, id, "resolve", new { reason = "answered again" });
            var events = await client.WaitForEventsAsync(4, "conversation.acknowledged,conversation.resolved");
            var second = events.Skip(2).ToList();
            var resolved = await Conversation(client, id);
            Assert.Multiple(() =>
            {
                Assert.That(
                    second.Select(e => e!["type"]!.GetValue<string>()),
                    Is.EqualTo(new[] { "conversation.acknowledged", "conversation.resolved" })
                );
                Assert.That(Seconds(second[0], "timeToAcknowledgeSeconds"), Is.LessThan(60));
                Assert.That(
                    Seconds(second[1], "timeToResolveSeconds"),
                    Is.LessThan(60),
                    "not the days it sat resolved"
                );
                Assert.That(Seconds(second[1], "timeToAcknowledgeSeconds"), Is.LessThan(60));
                Assert.That(resolved["durations"]!["timeToResolveSeconds"]!.GetValue<double>(), Is.LessThan(60));
                Assert.That(
                    Seconds(events[1]!, "timeToResolveSeconds"),
                    Is.GreaterThanOrEqualTo(0),
                    "the first episode's figures were recorded when it ended"
                );
            });
        }
    }

    [Test]
    public async Task The_customer_writing_again_reopens_a_new_episode()
    {
        var (client, channel, id) = await ArrangeAsync("episodes by inbound", "447700900202");
        using (client)
        {
            await Act(client, id, "acknowledge");
            await Act(client, id, "resolve");
            await MoveBackAsync(id, TimeSpan.FromHours(2));
            var again = await client.IngestAsync(
                HubApi.Engagement(channel, "wamid.episode-2", "447700900202", "مرة أخرى، لم يصل الطلب 😞")
            );
            Assert.That(again["conversationId"]!.GetValue<Guid>(), Is.EqualTo(id), "reopened, not a new conversation");

            var reopened = await Conversation(client, id);
            Assert.Multiple(() =>
            {
                Assert.That(reopened["status"]!.GetValue<string>(), Is.EqualTo("open"));
                Assert.That(reopened["episode"]!.GetValue<int>(), Is.EqualTo(2));
                Assert.That(reopened["acknowledgedAt"], Is.Null);
                Assert.That(reopened["durations"]!["timeToAcknowledgeSeconds"], Is.Null);
            });
            var acknowledged = await Act(client, id, "acknowledge");
            Assert.That(acknowledged["events"]!.AsArray(), Has.Count.EqualTo(1), "acknowledged again, in episode 2");
        }
    }

    private async Task<(HttpClient Client, Guid Channel, Guid Conversation)> ArrangeAsync(string name, string phone)
    {
        var (_, client) = await Hub.CreateTenantAsync(name);
        var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
        var ids = await client.IngestAsync(HubApi.Engagement(channel, $"wamid.{name}", phone, "Where is my order?"));
        return (client, channel, ids["conversationId"]!.GetValue<Guid>());
    }

    /// <summary>Makes the conversation's history <paramref name="age"/> older, as if it had sat resolved that
    /// long.</summary>
    private async Task MoveBackAsync(Guid id, TimeSpan age)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            update conversations set opened_at = opened_at - $2, acknowledged_at = acknowledged_at - $2,
                resolved_at = resolved_at - $2, last_activity_at = last_activity_at - $2
            where id = $1
            """,
            connection
        );
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = age });
        Assert.That(await command.ExecuteNonQueryAsync(), Is.EqualTo(1));
    }

    private static async Task<JsonNode> Act(HttpClient client, Guid id, string command, object? body = null) =>
        await HubApi.ReadJson(
            await client.PostAsJsonAsync($"/v1/conversations/{id}/{command}", body ?? new { }),
            HttpStatusCode.OK
        );

    private static async Task<JsonNode> Conversation(HttpClient client, Guid id) =>
        await HubApi.ReadJson(await client.GetAsync($"/v1/conversations/{id}"), HttpStatusCode.OK);

    private static double Seconds(JsonNode? item, string field) => item!["data"]![field]!.GetValue<double>();
}
