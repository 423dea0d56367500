using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Conversations;

/// <summary>
/// Conversation commands with members missing, null or out of bounds are 400 validation problems naming the member,
/// never a 500, and write nothing.
/// </summary>
public sealed class Command_validation : HubFixture
{
    private Guid _workspaceId;
    private Guid _conversationId;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task CreateConversation()
    {
        (_workspaceId, _client) = await Hub.CreateTenantAsync("command validation");
        var channel = await _client.CreateChannelAsync("sms", "Namshi");
        var ids = await _client.IngestAsync(HubApi.Engagement(channel, "sms-1", "+971500000001"));
        _conversationId = ids["conversationId"]!.GetValue<Guid>();
    }

    [OneTimeTearDown]
    public void DisposeClient() => _client.Dispose();

    [TestCase("notes", "{}", "text")]
    [TestCase("notes", """{"text":null}""", "text")]
    [TestCase("context", "{}", "values")]
    [TestCase("context", """{"values":null}""", "values")]
    [TestCase("tags", """{"add":[null]}""", "add[0]")]
    [TestCase("tags", """{"remove":["vip",null]}""", "remove[1]")]
    [TestCase("priority", """{"level":null}""", "level")]
    [TestCase("links", """{"system":null,"recordType":null,"recordId":null}""", "recordId")]
    [TestCase("replies", """{"text":"hi","attachments":[null]}""", "attachments[0]")]
    [TestCase(
        "replies",
        """{"template":{"name":null,"language":null,"parameters":[null]}}""",
        "template.parameters[0]"
    )]
    public async Task Missing_or_null_member_is_a_400_validation_problem(string command, string body, string member) =>
        await AssertRefused(command, body, member);

    [TestCase("""{"ttlSeconds":0}""", "ttlSeconds")]
    [TestCase("""{"ttlSeconds":-5}""", "ttlSeconds")]
    [TestCase("""{"ttlSeconds":86401}""", "ttlSeconds")]
    public async Task Claim_ttl_outside_one_second_to_one_day_is_a_400(string body, string member) =>
        await AssertRefused("claim", body, member);

    [Test]
    public async Task Resolve_reason_over_1000_characters_is_a_400() =>
        await AssertRefused("resolve", $$"""{"reason":"{{new string('r', 1001)}}"}""", "reason");

    [Test]
    public async Task Removing_more_than_50_tags_at_once_is_a_400() =>
        await AssertRefused(
            "tags",
            $$"""{"remove":[{{string.Join(',', Enumerable.Range(0, 51).Select(i => $"\"t{i}\""))}}]}""",
            "remove"
        );

    [Test]
    public async Task Claim_for_a_day_and_a_bodiless_claim_are_accepted()
    {
        var (_, client) = await Hub.CreateTenantAsync("claim bounds");
        using (client)
        {
            var channel = await client.CreateChannelAsync("sms", "Namshi");
            var id = (await client.IngestAsync(HubApi.Engagement(channel, "sms-1", "+971500000002")))[
                "conversationId"
            ]!.GetValue<Guid>();
            await HubApi.ReadJson(
                await client.PostAsJsonAsync($"/v1/conversations/{id}/claim", new { ttlSeconds = 86_400 }),
                HttpStatusCode.OK
            );
            await HubApi.ReadJson(await client.PostAsync($"/v1/conversations/{id}/claim", null), HttpStatusCode.OK);
        }
    }

    [Test]
    public async Task A_conversation_carries_at_most_100_tags()
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync("tag limit");
        using (client)
        {
            var channel = await client.CreateChannelAsync("sms", "Namshi");
            var id = (await client.IngestAsync(HubApi.Engagement(channel, "sms-1", "+971500000003")))[
                "conversationId"
            ]!.GetValue<Guid>();
            foreach (var batch in Enumerable.Range(0, 100).Chunk(50))
            {
                await HubApi.ReadJson(
                    await client.PostAsJsonAsync(
                        $"/v1/conversations/{id}/tags",
                        new { add = batch.Select(i => $"tag-{i}") }
                    ),
                    HttpStatusCode.OK
                );
            }

            var events = await Database.CountEventsAsync(workspaceId);
            await HubApi.ReadProblem(
                await client.PostAsJsonAsync($"/v1/conversations/{id}/tags", new { add = new[] { "one-more" } }),
                HttpStatusCode.UnprocessableEntity,
                "too-many-tags"
            );
            await HubApi.ReadJson(
                await client.PostAsJsonAsync(
                    $"/v1/conversations/{id}/tags",
                    new { add = new[] { "one-more" }, remove = new[] { "tag-0" } }
                ),
                HttpStatusCode.OK
            );
            Assert.That(
                await Database.CountEventsAsync(workspaceId),
                Is.EqualTo(events + 1),
                "only the swap was recorded"
            );
        }
    }

    private async Task AssertRefused(string command, string body, string member)
    {
        var before = await Database.CountEventsAsync(_workspaceId);
        var problem = await HubApi.ReadProblem(
            await _client.PostAsync($"/v1/conversations/{_conversationId}/{command}", HubApi.Json(body)),
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Multiple(async () =>
        {
            Assert.That(problem["errors"]!.AsObject().Select(p => p.Key), Does.Contain(member));
            Assert.That(await Database.CountEventsAsync(_workspaceId), Is.EqualTo(before));
        });
    }
}
