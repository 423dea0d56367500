using System.Net;
using System.Net.Http.Json;
using Npgsql;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Engagements;

/// <summary>Concurrent ingestions share transactions; each still gets exactly its own answer, and nothing is written
/// twice.</summary>
public sealed class Group_commit : HubFixture
{
    [Test]
    public async Task Concurrent_engagements_share_transactions_and_each_gets_its_own_answer()
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync("group-commit");
        using (client)
        {
            var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
            // 20 customers writing 3 messages each, every message sent twice at once (a platform retrying), and one
            // engagement the hub refuses (a NUL character, which PostgreSQL could not store), all at the same time.
            var messages = Enumerable
                .Range(0, 60)
                .Select(i => (Id: $"wamid.{i}", Author: $"9715000000{i % 20:D2}"))
                .ToList();
            var posts = messages
                .Concat(messages)
                .Select(m =>
                    client.PostAsJsonAsync(
                        "/v1/engagements",
                        HubApi.Engagement(channel, m.Id, m.Author, $"message {m.Id}")
                    )
                )
                .Append(
                    client.PostAsJsonAsync(
                        "/v1/engagements",
                        HubApi.Engagement(channel, "wamid.nul", "971500000099", "bad \u0000 text")
                    )
                )
                .ToList();
            var responses = await Task.WhenAll(posts);

            Assert.That(
                responses[^1].StatusCode,
                Is.EqualTo(HttpStatusCode.BadRequest),
                "the bad engagement fails alone"
            );
            var answers =
                new List<(string Id, string Author, HttpStatusCode Status, Guid Engagement, Guid Conversation)>();
            for (var i = 0; i < 120; i++)
            {
                var body = await HubApi.ReadJson(responses[i], responses[i].StatusCode);
                answers.Add(
                    (
                        messages[i % 60].Id,
                        messages[i % 60].Author,
                        responses[i].StatusCode,
                        body["engagementId"]!.GetValue<Guid>(),
                        body["conversationId"]!.GetValue<Guid>()
                    )
                );
            }

            Assert.Multiple(() =>
            {
                foreach (var copies in answers.GroupBy(a => a.Id))
                {
                    Assert.That(
                        copies.Select(c => c.Status).Order(),
                        Is.EqualTo(new[] { HttpStatusCode.OK, HttpStatusCode.Accepted }),
                        copies.Key
                    );
                    Assert.That(
                        copies.Select(c => c.Engagement).Distinct().Count(),
                        Is.EqualTo(1),
                        $"{copies.Key}: both copies name one engagement"
                    );
                }

                foreach (var author in answers.GroupBy(a => a.Author))
                {
                    Assert.That(
                        author.Select(a => a.Conversation).Distinct().Count(),
                        Is.EqualTo(1),
                        $"{author.Key}: one conversation"
                    );
                }
            });

            Assert.Multiple(async () =>
            {
                Assert.That(await Database.CountAsync("engagements", workspaceId), Is.EqualTo(60));
                Assert.That(await Database.CountAsync("conversations", workspaceId), Is.EqualTo(20));
                Assert.That(await Database.CountAsync("customers", workspaceId), Is.EqualTo(20));
                Assert.That(
                    await Database.CountEventsAsync(workspaceId),
                    Is.EqualTo(100),
                    "20 customer.created, 20 conversation.opened, 60 engagement.received"
                );
                Assert.That(await TransactionsAsync(workspaceId), Is.LessThan(60), "engagements shared commits");
            });
        }
    }

    private static async Task<long> TransactionsAsync(Guid workspaceId)
    {
        await using var connection = new NpgsqlConnection(TestRun.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select count(distinct xmin::text) from mt_events "
                + "where tenant_id = $1::text and type = 'engagement.received'",
            connection
        );
        command.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
