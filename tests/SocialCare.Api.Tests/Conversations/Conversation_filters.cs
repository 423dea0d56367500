using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Conversations;

public sealed class Conversation_filters : HubFixture
{
    [Test]
    public async Task Filters_select_exactly_the_matching_conversations_and_last_activity_sort_pages_without_gaps()
    {
        var (_, client) = await Hub.CreateTenantAsync("filters");
        using (client)
        {
            var channel = await client.CreateChannelAsync("instagram", "Al Tayer");
            var ids = new List<Guid>();
            for (var i = 0; i < 4; i++)
            {
                ids.Add(
                    (await client.IngestAsync(HubApi.Engagement(channel, $"ig-{i}", $"customer-{i}")))[
                        "conversationId"
                    ]!.GetValue<Guid>()
                );
            }

            await client.PostAsJsonAsync(
                $"/v1/conversations/{ids[0]}/links",
                new
                {
                    system = "billing",
                    recordType = "invoice",
                    recordId = "INV-1",
                }
            );
            await client.PostAsJsonAsync($"/v1/conversations/{ids[1]}/tags", new { add = new[] { "VIP" } });
            await client.PostAsJsonAsync($"/v1/conversations/{ids[2]}/priority", new { level = "urgent" });
            await client.PostAsJsonAsync($"/v1/conversations/{ids[2]}/assign", new { team = "Tier 2" });
            // conversation 0 is now the most recently active
            await client.IngestAsync(HubApi.Engagement(channel, "ig-late", "customer-0"));

            async Task<List<Guid>> List(string query) =>
                (await HubApi.ReadJson(await client.GetAsync("/v1/conversations?" + query), HttpStatusCode.OK))[
                    "items"
                ]!
                    .AsArray()
                    .Select(c => c!["id"]!.GetValue<Guid>())
                    .ToList();

            Assert.Multiple(async () =>
            {
                Assert.That(await List("link=billing:invoice:INV-1"), Is.EqualTo(new[] { ids[0] }));
                Assert.That(await List("tag=vip"), Is.EqualTo(new[] { ids[1] }));
                Assert.That(await List("priority=urgent&team=Tier%202"), Is.EqualTo(new[] { ids[2] }));
                Assert.That(await List("link=billing:invoice:INV-2"), Is.Empty);
                Assert.That(
                    await List("sort=lastActivity&limit=50"),
                    Is.EqualTo(new[] { ids[0], ids[2], ids[1], ids[3] })
                );
            });

            var paged = new List<Guid>();
            string? next = null;
            do
            {
                var page = await HubApi.ReadJson(
                    await client.GetAsync(
                        $"/v1/conversations?sort=lastActivity&limit=1{(next is null ? "" : "&after=" + next)}"
                    ),
                    HttpStatusCode.OK
                );
                paged.AddRange(page["items"]!.AsArray().Select(c => c!["id"]!.GetValue<Guid>()));
                next = page["next"]?.GetValue<string>();
            } while (next is not null);
            Assert.That(paged, Is.EqualTo(new[] { ids[0], ids[2], ids[1], ids[3] }));
            await HubApi.ReadProblem(
                await client.GetAsync("/v1/conversations?link=billing"),
                HttpStatusCode.BadRequest,
                "bad-request"
            );
            await HubApi.ReadProblem(
                await client.GetAsync("/v1/conversations?sort=alphabetical"),
                HttpStatusCode.BadRequest,
                "bad-request"
            );
        }
    }
}
