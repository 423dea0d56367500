using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Workflow;

/// <summary>
/// The rule action <c>requestFeedback</c> (issue 19, point 3): once a conversation is resolved, the brand's survey text
/// goes to the customer as a reply that names its survey, leaving the conversation resolved and unacknowledged as it
/// was; the answer comes back as feedback and counts in the feedback report. It runs on resolution only.
/// </summary>
public sealed class Feedback_surveys : HubFixture
{
    private static object SurveyRule(string trigger = "conversation.resolved", string? survey = "csat") =>
        new
        {
            name = "CSAT after resolution",
            trigger,
            actions = new object[]
            {
                new
                {
                    type = "requestFeedback",
                    survey,
                    texts = new Dictionary<string, string>
                    {
                        ["en"] = "How did we do, {customer.name}? Reply 1 to 5.",
                        ["ar"] = "كيف كانت خدمتنا يا {customer.name}؟ أجب من 1 إلى 5 ⭐",
                    },
                    fallback = "en",
                },
            },
        };

    [Test]
    public async Task After_resolution_the_survey_goes_out_and_its_answer_is_reported()
    {
        var (_, client) = await Hub.CreateTenantAsync("survey story");
        using (client)
        {
            await HubApi.ReadJson(await client.PostAsJsonAsync("/v1/rules", SurveyRule()), HttpStatusCode.Created);
            var channel = await client.CreateChannelAsync("app-chat", "Namshi");
            var conversation = (
                await client.IngestAsync(
                    new
                    {
                        channelId = channel,
                        platformMessageId = $"survey-{Guid.NewGuid():N}",
                        author = new { platformUserId = "survey-1", displayName = "نورة" },
                        text = "وصل الطلب، شكراً",
                        language = "ar",
                        visibility = "private",
                        occurredAt = DateTimeOffset.UtcNow.AddSeconds(-1),
                    }
                )
            )["conversationId"]!.GetValue<Guid>();
            await client.ActAsync(conversation, "resolve", new { reason = "delivered" });

            var survey = (await client.WaitForConversationEventsAsync(conversation, 1, "reply.requested"))[0]["data"]!;
            var state = await client.ConversationAsync(conversation);
            await client.ActAsync(
                conversation,
                "feedback",
                new
                {
                    kind = "csat",
                    score = 4,
                    channelId = channel,
                }
            );
            var report = await Eventually.Until(
                async () => await HubApi.ReadJson(await client.GetAsync("/v1/reports/feedback"), HttpStatusCode.OK),
                r => r["rows"]!.AsArray().Count == 1,
                what: "the answer in the feedback report"
            );
            var events = await client.WaitForConversationEventsAsync(conversation, 1, "reply.requested");

            Assert.Multiple(() =>
            {
                Assert.That(survey["survey"]!.GetValue<string>(), Is.EqualTo("csat"));
                Assert.That(
                    survey["text"]!.GetValue<string>(),
                    Is.EqualTo("كيف كانت خدمتنا يا نورة؟ أجب من 1 إلى 5 ⭐")
                );
                Assert.That(survey["actor"]!["kind"]!.GetValue<string>(), Is.EqualTo("rule"));
                Assert.That(state["status"]!.GetValue<string>(), Is.EqualTo("resolved"), "a survey reopens nothing");
                Assert.That(state["acknowledgedAt"], Is.Null, "nor acknowledges the conversation");
                Assert.That(events, Has.Count.EqualTo(1), "one survey per resolution");
                var row = report["rows"]![0]!;
                Assert.That(row["kind"]!.GetValue<string>(), Is.EqualTo("csat"));
                Assert.That(row["responses"]!.GetValue<long>(), Is.EqualTo(1));
                Assert.That(row["score"]!.GetValue<double>(), Is.EqualTo(100));
            });
        }
    }

    private static object Message(Guid channel, string text) =>
        new
        {
            channelId = channel,
            platformMessageId = $"survey-{Guid.NewGuid():N}",
            author = new { platformUserId = "survey-2", displayName = "Omar" },
            text,
            visibility = "private",
            occurredAt = DateTimeOffset.UtcNow.AddSeconds(-1),
        };

    private async Task<(HttpClient Client, Guid Channel, Guid Conversation)> SurveyedAsync(string name)
    {
        var (_, client) = await Hub.CreateTenantAsync(name);
        await HubApi.ReadJson(await client.PostAsJsonAsync("/v1/rules", SurveyRule()), HttpStatusCode.Created);
        var channel = await client.CreateChannelAsync("app-chat", "Namshi");
        var conversation = (await client.IngestAsync(Message(channel, "Where is my order?")))[
            "conversationId"
        ]!.GetValue<Guid>();
        await client.ActAsync(conversation, "resolve", new { reason = "answered" });
        await client.WaitForConversationEventsAsync(conversation, 1, "reply.requested");
        return (client, channel, conversation);
    }

    [Test]
    public async Task A_score_in_the_chat_answers_the_survey_without_reopening_and_the_next_message_reopens()
    {
        var (client, channel, conversation) = await SurveyedAsync("survey in chat");
        using (client)
        {
            // Arabic-Indic five, with a star: the answer.
            var answer = await client.IngestAsync(Message(channel, "٥ ⭐"));
            var feedback = (
                await client.WaitForConversationEventsAsync(conversation, 1, "conversation.feedback_received")
            )[0]["data"]!;
            var answered = await client.ConversationAsync(conversation);
            var reopenedBy = await client.IngestAsync(Message(channel, "Actually, one more thing"));
            var reopened = await client.ConversationAsync(conversation);
            Assert.Multiple(() =>
            {
                Assert.That(answer["conversationId"]!.GetValue<Guid>(), Is.EqualTo(conversation));
                Assert.That(feedback["kind"]!.GetValue<string>(), Is.EqualTo("csat"));
                Assert.That(feedback["score"]!.GetValue<int>(), Is.EqualTo(5));
                Assert.That(feedback["channelId"]!.GetValue<Guid>(), Is.EqualTo(channel));
                Assert.That(feedback["episode"]!.GetValue<int>(), Is.EqualTo(1));
                Assert.That(
                    answered["status"]!.GetValue<string>(),
                    Is.EqualTo("resolved"),
                    "the answer reopens nothing"
                );
                Assert.That(reopenedBy["conversationId"]!.GetValue<Guid>(), Is.EqualTo(conversation));
                Assert.That(reopened["status"]!.GetValue<string>(), Is.EqualTo("open"), "a message after it does");
            });
        }
    }

    [TestCase("6", TestName = "A CSAT of 6 is a message, not an answer")]
    [TestCase("5 stars were not enough to describe this", TestName = "A sentence with a score is a message")]
    [TestCase("4/10", TestName = "A score out of another scale is a message")]
    public async Task A_message_that_is_not_a_score_on_the_scale_reopens_the_conversation(string text)
    {
        var (client, channel, conversation) = await SurveyedAsync("survey not answered");
        using (client)
        {
            await client.IngestAsync(Message(channel, text));
            var state = await client.ConversationAsync(conversation);
            Assert.That(state["status"]!.GetValue<string>(), Is.EqualTo("open"));
        }
    }

    [TestCase("engagement.received", "csat", TestName = "A survey on any trigger but resolution is refused")]
    [TestCase("conversation.resolved", null, TestName = "A survey without its kind is refused")]
    [TestCase("conversation.resolved", "stars", TestName = "An unknown survey is refused in a rule")]
    public async Task A_survey_rule_must_follow_resolution_and_name_its_survey(string trigger, string? survey)
    {
        var (_, client) = await Hub.CreateTenantAsync("survey refused");
        using (client)
        {
            var problem = await HubApi.ReadProblem(
                await client.PostAsJsonAsync("/v1/rules", SurveyRule(trigger, survey)),
                HttpStatusCode.BadRequest,
                "validation-failed"
            );
            Assert.That(problem["errors"]!.AsObject().Count, Is.Positive);
        }
    }
}
