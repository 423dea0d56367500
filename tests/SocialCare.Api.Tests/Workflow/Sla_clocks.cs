using System.Net;
using System.Net.Http.Json;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Workflow;

/// <summary>
/// SLA clocks (issue 18, point 4): a policy applied as a brand's default starts first-response and resolution clocks
/// at each episode's start, a customer message after a response starts the next-response clock, replies and the
/// resolution meet them, timers warn and breach, and business-hours policies count only the brand's open time.
/// </summary>
public sealed class Sla_clocks : HubFixture
{
    private static readonly TimeSpan Micro = TimeSpan.FromMilliseconds(1);

    [Test]
    public async Task A_brand_default_runs_the_clocks_of_an_episode_and_starts_them_again_on_reopening()
    {
        var (_, client) = await Hub.CreateTenantAsync("sla story");
        using (client)
        {
            var policy = await client.CreatePolicyAsync(
                new
                {
                    name = "Gold ذهبي ⭐",
                    firstResponse = "PT1H",
                    nextResponse = "PT4H",
                    resolution = "P1D",
                    warnBefore = "PT10M",
                }
            );
            await client.ConfigureBrandAsync("Namshi", policy);
            var channel = await client.CreateChannelAsync("app-chat", "Namshi");
            var id = (await client.IngestAsync(HubApi.Engagement(channel, "sla-1", "cust-1", "وين طلبي؟ 📦")))[
                "conversationId"
            ]!.GetValue<Guid>();

            var applied = (await client.WaitForConversationEventsAsync(id, 1))[0];
            var view = await client.ConversationAsync(id);
            var opened = view.At("episodeOpenedAt");
            var clocks = applied["data"]!["clocks"]!.AsArray();
            Assert.Multiple(() =>
            {
                Assert.That(applied.Type(), Is.EqualTo("sla.applied"));
                Assert.That(applied["data"]!["policyId"]!.GetValue<Guid>(), Is.EqualTo(policy));
                Assert.That(applied["data"]!["policyName"]!.GetValue<string>(), Is.EqualTo("Gold ذهبي ⭐"));
                Assert.That(applied["data"]!["source"]!.GetValue<string>(), Is.EqualTo("brand"));
                Assert.That(applied["data"]!["episode"]!.GetValue<int>(), Is.EqualTo(1));
                Assert.That(applied["data"]!["actor"]!["kind"]!.GetValue<string>(), Is.EqualTo("system"));
                Assert.That(
                    clocks.Select(c => c!["target"]!.GetValue<string>()),
                    Is.EqualTo(new[] { "firstResponse", "resolution" }),
                    "next response waits for a customer message after a response"
                );
                Assert.That(clocks[0]!.At("startedAt"), Is.EqualTo(opened).Within(Micro));
                Assert.That(clocks[0]!.At("dueAt"), Is.EqualTo(opened.AddHours(1)).Within(Micro));
                Assert.That(clocks[0]!.At("warnAt"), Is.EqualTo(opened.AddMinutes(50)).Within(Micro));
                Assert.That(clocks[1]!.At("dueAt"), Is.EqualTo(opened.AddDays(1)).Within(Micro));
                Assert.That(view["sla"]!["policyId"]!.GetValue<Guid>(), Is.EqualTo(policy));
                Assert.That(
                    view["sla"]!["targets"]!.AsArray().Select(t => t!["status"]!.GetValue<string>()),
                    Is.EqualTo(new[] { "running", "running" })
                );
            });

            var reply = await HubApi.ReadJson(
                await client.PostAsJsonAsync($"/v1/conversations/{id}/replies", new { text = "On it! 🙏" }),
                HttpStatusCode.Accepted
            );
            var met = (await client.WaitForConversationEventsAsync(id, 2))[1];
            Assert.Multiple(() =>
            {
                Assert.That(met.Type(), Is.EqualTo("sla.met"));
                Assert.That(met.Target(), Is.EqualTo("firstResponse"));
                Assert.That(met["data"]!["replyId"]!.GetValue<Guid>(), Is.EqualTo(reply["replyId"]!.GetValue<Guid>()));
                Assert.That(met["data"]!["elapsedSeconds"]!.GetValue<double>(), Is.GreaterThanOrEqualTo(0));
            });

            await client.IngestAsync(HubApi.Engagement(channel, "sla-2", "cust-1", "Any news?"));
            var started = (await client.WaitForConversationEventsAsync(id, 3))[2];
            Assert.Multiple(() =>
            {
                Assert.That(started.Type(), Is.EqualTo("sla.started"));
                Assert.That(started.Target(), Is.EqualTo("nextResponse"));
                Assert.That(
                    started["data"]!.At("dueAt"),
                    Is.EqualTo(started["data"]!.At("startedAt").AddHours(4)).Within(Micro)
                );
            });

            await client.ActAsync(id, "resolve", new { reason = "delivered" });
            var resolved = (await client.WaitForConversationEventsAsync(id, 4))[3];
            Assert.Multiple(() =>
            {
                Assert.That(resolved.Type(), Is.EqualTo("sla.met"));
                Assert.That(resolved.Target(), Is.EqualTo("resolution"));
            });
            var after = await client.ConversationAsync(id);
            Assert.That(
                after["sla"]!["targets"]!.AsArray().Select(t => t!["status"]!.GetValue<string>()),
                Is.EqualTo(new[] { "met", "stopped", "met" }),
                "the unanswered message's clock stops with the episode"
            );

            await client.ActAsync(id, "reopen");
            var reopened = (await client.WaitForConversationEventsAsync(id, 5))[4];
            var episode = await client.ConversationAsync(id);
            Assert.Multiple(() =>
            {
                Assert.That(reopened.Type(), Is.EqualTo("sla.applied"));
                Assert.That(reopened["data"]!["episode"]!.GetValue<int>(), Is.EqualTo(2));
                Assert.That(
                    reopened["data"]!["clocks"]![0]!.At("startedAt"),
                    Is.EqualTo(episode.At("episodeOpenedAt")).Within(Micro)
                );
                Assert.That(episode["sla"]!["episode"]!.GetValue<int>(), Is.EqualTo(2));
                Assert.That(
                    episode["sla"]!["targets"]!.AsArray().Select(t => t!["status"]!.GetValue<string>()),
                    Is.EqualTo(new[] { "running", "running" })
                );
            });
        }
    }

    [Test]
    public async Task A_target_warns_then_breaches_on_time_and_a_late_reply_does_not_meet_it()
    {
        var (_, client) = await Hub.CreateTenantAsync("sla breach");
        using (client)
        {
            var policy = await client.CreatePolicyAsync(
                new
                {
                    name = "Tight",
                    firstResponse = "PT3S",
                    resolution = "PT1H",
                    warnBefore = "PT2S",
                }
            );
            await client.ConfigureBrandAsync("Careem", policy);
            var channel = await client.CreateChannelAsync("app-chat", "Careem");
            var id = (await client.IngestAsync(HubApi.Engagement(channel, "late-1", "rider-7", "Driver never came")))[
                "conversationId"
            ]!.GetValue<Guid>();

            var events = await client.WaitForConversationEventsAsync(id, 3);
            var clock = events[0]["data"]!["clocks"]![0]!;
            Assert.Multiple(() =>
            {
                Assert.That(
                    events.Select(e => e.Type()),
                    Is.EqualTo(new[] { "sla.applied", "sla.warning", "sla.breached" })
                );
                Assert.That(events[1].Target(), Is.EqualTo("firstResponse"));
                Assert.That(events[1]["data"]!.At("recordedAt"), Is.GreaterThanOrEqualTo(clock.At("warnAt")));
                Assert.That(events[1]["data"]!["remainingSeconds"]!.GetValue<double>(), Is.InRange(0, 2));
                Assert.That(events[2]["data"]!.At("recordedAt"), Is.GreaterThanOrEqualTo(clock.At("dueAt")));
                Assert.That(events[2]["data"]!.At("dueAt"), Is.EqualTo(clock.At("dueAt")));
            });

            await HubApi.ReadJson(
                await client.PostAsJsonAsync($"/v1/conversations/{id}/replies", new { text = "Sorry for the wait" }),
                HttpStatusCode.Accepted
            );
            await client.ActAsync(id, "resolve", new { reason = "refunded" });
            var all = await client.WaitForConversationEventsAsync(id, 4);
            var view = await client.ConversationAsync(id);
            Assert.Multiple(() =>
            {
                Assert.That(
                    all.Skip(1).Select(e => $"{e.Type()} {e.Target()}"),
                    Is.EqualTo(
                        new[] { "sla.warning firstResponse", "sla.breached firstResponse", "sla.met resolution" }
                    )
                );
                Assert.That(view["sla"]!["targets"]![0]!["status"]!.GetValue<string>(), Is.EqualTo("breached"));
                Assert.That(view["sla"]!["targets"]![0]!["breachedAt"], Is.Not.Null);
                Assert.That(view["sla"]!["targets"]![0]!["metAt"], Is.Null);
            });
        }
    }

    [Test]
    public async Task Business_hours_clocks_count_only_the_brands_open_time_in_its_zone_across_weeks()
    {
        var (_, client) = await Hub.CreateTenantAsync("sla business hours");
        using (client)
        {
            // Open one hour a week, 09:00–10:00 Riyadh time (06:00–07:00 UTC), on the weekday two days from now.
            var day = DateTime.UtcNow.Date.AddDays(2);
            var name = day.DayOfWeek.ToString()[..3].ToLowerInvariant();
            var policy = await client.CreatePolicyAsync(
                new
                {
                    name = "Office hours",
                    firstResponse = "PT30M",
                    resolution = "PT2H",
                    warnBefore = "PT10M",
                    businessHoursOnly = true,
                }
            );
            await client.ConfigureBrandAsync(
                "acme-ksa",
                policy,
                new Dictionary<string, object[]> { [name] = [new { from = "09:00", to = "10:00" }] },
                "Asia/Riyadh"
            );
            var channel = await client.CreateChannelAsync("app-chat", "acme-ksa");
            var id = (await client.IngestAsync(HubApi.Engagement(channel, "bh-1", "cust-bh", "Hello at night")))[
                "conversationId"
            ]!.GetValue<Guid>();

            var clocks = (await client.WaitForConversationEventsAsync(id, 1))[0]["data"]!["clocks"]!.AsArray();
            var opening = new DateTimeOffset(day.AddHours(6), TimeSpan.Zero);
            Assert.Multiple(() =>
            {
                Assert.That(clocks[0]!.At("warnAt"), Is.EqualTo(opening.AddMinutes(20)));
                Assert.That(clocks[0]!.At("dueAt"), Is.EqualTo(opening.AddMinutes(30)));
                Assert.That(
                    clocks[1]!.At("dueAt"),
                    Is.EqualTo(opening.AddDays(7).AddHours(1)),
                    "two hours of open time end at the close of next week's opening"
                );
            });
        }
    }
}
