using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Authorization;
using SocialCare.Api.Tests.Support;
using SocialCare.Api.Tests.Workflow;

namespace SocialCare.Api.Tests.Conversations;

/// <summary>
/// Customer feedback (issue 19, point 3): a survey's answer on its scale becomes conversation.feedback_received, about
/// the conversation's current episode, whether it is resolved or not; nothing off its scale is taken.
/// </summary>
public sealed class Conversation_feedback : HubFixture
{
    private async Task<(HttpClient Client, Guid Conversation, Guid Channel)> ArrangeAsync(string name)
    {
        var (_, client) = await Hub.CreateTenantAsync(name);
        var channel = await client.CreateChannelAsync("app-chat", "Namshi");
        var conversation = (
            await client.IngestAsync(HubApi.Engagement(channel, $"fb-{Guid.NewGuid():N}", "cust-fb", "Thanks!"))
        )["conversationId"]!.GetValue<Guid>();
        return (client, conversation, channel);
    }

    [Test]
    public async Task Answers_to_each_survey_are_events_about_the_episode_even_after_resolution()
    {
        var (client, conversation, channel) = await ArrangeAsync("feedback story");
        using (client)
        {
            client.DefaultRequestHeaders.Add("X-Actor", "survey-bot");
            await client.ActAsync(conversation, "resolve", new { reason = "answered" });
            var respondedAt = DateTimeOffset.UtcNow.AddMinutes(-2);
            var answer = await client.ActAsync(
                conversation,
                "feedback",
                new
                {
                    kind = "csat",
                    score = 5,
                    comment = "  خدمة رائعة 🌟  ",
                    channelId = channel,
                    respondedAt,
                }
            );
            await client.ActAsync(conversation, "feedback", new { kind = "nps", score = 0 });
            await client.ActAsync(conversation, "feedback", new { kind = "ces", score = 7 });

            var events = await client.WaitForConversationEventsAsync(conversation, 3, "conversation.feedback_received");
            var csat = events[0]["data"]!;
            Assert.Multiple(() =>
            {
                Assert.That(
                    answer["events"]![0]!["type"]!.GetValue<string>(),
                    Is.EqualTo("conversation.feedback_received")
                );
                Assert.That(
                    events.Select(e => e["data"]!["kind"]!.GetValue<string>()),
                    Is.EqualTo(new[] { "csat", "nps", "ces" })
                );
                Assert.That(events.Select(e => e["data"]!["score"]!.GetValue<int>()), Is.EqualTo(new[] { 5, 0, 7 }));
                Assert.That(csat["comment"]!.GetValue<string>(), Is.EqualTo("خدمة رائعة 🌟"));
                Assert.That(csat["channelId"]!.GetValue<Guid>(), Is.EqualTo(channel));
                Assert.That(csat.At("respondedAt"), Is.EqualTo(respondedAt).Within(TimeSpan.FromMilliseconds(1)));
                Assert.That(csat["episode"]!.GetValue<int>(), Is.EqualTo(1));
                Assert.That(csat["actor"]!["person"]!.GetValue<string>(), Is.EqualTo("survey-bot"));
                Assert.That(events[1]["data"]!["comment"], Is.Null);
            });
        }
    }

    [TestCase("csat", 0, TestName = "CSAT 0 is off its 1 to 5 scale")]
    [TestCase("csat", 6, TestName = "CSAT 6 is off its 1 to 5 scale")]
    [TestCase("nes", 8, TestName = "NES 8 is off its 1 to 7 scale")]
    [TestCase("ces", 0, TestName = "CES 0 is off its 1 to 7 scale")]
    [TestCase("nps", 11, TestName = "NPS 11 is off its 0 to 10 scale")]
    [TestCase("nps", -1, TestName = "NPS -1 is off its 0 to 10 scale")]
    [TestCase("stars", 4, TestName = "An unknown survey is refused")]
    public async Task A_score_off_its_surveys_scale_is_refused(string kind, int score)
    {
        var (client, conversation, _) = await ArrangeAsync("feedback scales");
        using (client)
        {
            var problem = await HubApi.ReadProblem(
                await client.PostAsJsonAsync($"/v1/conversations/{conversation}/feedback", new { kind, score }),
                HttpStatusCode.BadRequest,
                "validation-failed"
            );
            Assert.That(problem["errors"]!.ToJsonString(), Does.Contain(kind == "stars" ? "kind" : "score"));
        }
    }

    [Test]
    public async Task A_missing_score_a_future_answer_and_another_workspaces_channel_are_refused()
    {
        var (client, conversation, _) = await ArrangeAsync("feedback refusals");
        var (_, other) = await Hub.CreateTenantAsync("feedback other workspace");
        using (client)
        using (other)
        {
            var path = $"/v1/conversations/{conversation}/feedback";
            await HubApi.ReadProblem(
                await client.PostAsJsonAsync(path, new { kind = "csat" }),
                HttpStatusCode.BadRequest,
                "validation-failed"
            );
            await HubApi.ReadProblem(
                await client.PostAsJsonAsync(
                    path,
                    new
                    {
                        kind = "csat",
                        score = 4,
                        respondedAt = DateTimeOffset.UtcNow.AddHours(1),
                    }
                ),
                HttpStatusCode.BadRequest,
                "validation-failed"
            );
            var theirs = await other.CreateChannelAsync("app-chat", "Namshi");
            await HubApi.ReadProblem(
                await client.PostAsJsonAsync(
                    path,
                    new
                    {
                        kind = "csat",
                        score = 4,
                        channelId = theirs,
                    }
                ),
                HttpStatusCode.UnprocessableEntity,
                "unknown-channel"
            );
            await HubApi.ReadProblem(
                await other.PostAsJsonAsync(path, new { kind = "csat", score = 4 }),
                HttpStatusCode.NotFound,
                "not-found"
            );
        }
    }

    [Test]
    public async Task A_retried_answer_with_its_Idempotency_Key_is_recorded_once()
    {
        var (client, conversation, _) = await ArrangeAsync("feedback retry");
        using (client)
        {
            async Task<HttpResponseMessage> Send()
            {
                using var request = new HttpRequestMessage(
                    HttpMethod.Post,
                    $"/v1/conversations/{conversation}/feedback"
                )
                {
                    Content = JsonContent.Create(new { kind = "nes", score = 6 }),
                };
                request.Headers.Add("Idempotency-Key", "survey-response-77");
                return await client.SendAsync(request);
            }

            var first = await HubApi.ReadJson(await Send(), HttpStatusCode.OK);
            var again = await Send();
            var replayed = await HubApi.ReadJson(again, HttpStatusCode.OK);
            await client.ActAsync(conversation, "tags", new { add = new[] { "after" } });
            await client.WaitForConversationEventsAsync(conversation, 1, "conversation.tagged");
            var events = await client.WaitForConversationEventsAsync(conversation, 1, "conversation.feedback_received");
            Assert.Multiple(() =>
            {
                Assert.That(again.Headers.Contains("Idempotent-Replayed"), Is.True);
                Assert.That(
                    replayed["events"]![0]!["id"]!.GetValue<Guid>(),
                    Is.EqualTo(first["events"]![0]!["id"]!.GetValue<Guid>())
                );
                Assert.That(events, Has.Count.EqualTo(1));
            });
        }
    }

    [Test]
    public async Task A_brand_limited_key_records_feedback_only_with_its_brands_channels()
    {
        var (client, conversation, _) = await ArrangeAsync("feedback brands");
        using (client)
        {
            var workspace = (await HubApi.ReadJson(await client.GetAsync("/v1/me"), HttpStatusCode.OK))["workspace"]![
                "id"
            ]!.GetValue<Guid>();
            var ounass = await client.CreateChannelAsync("app-chat", "Ounass");
            var (_, key) = await Hub.CreateKeyAsync(
                workspace,
                "namshi surveys",
                [Scopes.ConversationsWrite],
                ["Namshi"]
            );
            using var limited = Hub.ClientWithKey(key);
            await HubApi.ReadProblem(
                await limited.PostAsJsonAsync(
                    $"/v1/conversations/{conversation}/feedback",
                    new
                    {
                        kind = "csat",
                        score = 3,
                        channelId = ounass,
                    }
                ),
                HttpStatusCode.UnprocessableEntity,
                "unknown-channel"
            );
            await limited.ActAsync(conversation, "feedback", new { kind = "csat", score = 3 });
        }
    }
}
