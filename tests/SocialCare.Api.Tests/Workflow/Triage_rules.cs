using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.Authorization;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Workflow;

/// <summary>
/// Triage rules (issue 18, point 3): resources with the usual conventions, conditions over the engagement, the
/// conversation and the departments' context, actions that act as the rule, run right after their trigger commits,
/// never on what rules did, and a dry run that changes nothing.
/// </summary>
public sealed class Triage_rules : HubFixture
{
    protected override IReadOnlyDictionary<string, string?>? Settings =>
        new Dictionary<string, string?> { ["Workflow:MaxRulesPerWorkspace"] = "3" };

    [Test]
    public async Task A_workspace_has_at_most_the_configured_number_of_rules_even_created_at_once()
    {
        var (_, client) = await Hub.CreateTenantAsync("rules limit");
        using (client)
        {
            var answers = await Task.WhenAll(
                Enumerable.Range(0, 6).Select(_ => client.PostAsJsonAsync("/v1/rules", OutOfHoursReply()))
            );
            Assert.That(
                answers.Select(a => a.StatusCode).Order(),
                Is.EqualTo(
                    Enumerable
                        .Repeat(HttpStatusCode.Created, 3)
                        .Concat(Enumerable.Repeat(HttpStatusCode.UnprocessableEntity, 3))
                )
            );
            await HubApi.ReadProblem(
                answers.First(a => a.StatusCode == HttpStatusCode.UnprocessableEntity),
                HttpStatusCode.UnprocessableEntity,
                "rule-limit-reached"
            );
            var one = await HubApi.ReadJson(
                answers.First(a => a.StatusCode == HttpStatusCode.Created),
                HttpStatusCode.Created
            );
            Assert.That(
                (await client.DeleteAsync($"/v1/rules/{one["id"]}")).StatusCode,
                Is.EqualTo(HttpStatusCode.NoContent)
            );
            await HubApi.ReadJson(await client.PostAsJsonAsync("/v1/rules", OutOfHoursReply()), HttpStatusCode.Created);
        }
    }

    private static object OutOfHoursReply(string? brand = null) =>
        new
        {
            name = "Out of hours",
            order = 10,
            brands = brand is null ? null : new[] { brand },
            trigger = "engagement.received",
            conditions = new
            {
                all = new object[]
                {
                    new
                    {
                        field = "withinBusinessHours",
                        op = "eq",
                        value = false,
                    },
                },
            },
            actions = new object[]
            {
                new
                {
                    type = "reply",
                    texts = new Dictionary<string, string>
                    {
                        ["ar"] = "نحن مغلقون حتى {nextOpening.time} بتوقيت الرياض 🌙",
                        ["en"] = "We are closed until {nextOpening.time} Riyadh time 🌙",
                    },
                    fallback = "en",
                },
            },
        };

    [Test]
    public async Task A_rule_is_created_read_replaced_and_deleted_each_change_an_event_with_its_actor()
    {
        var (_, client) = await Hub.CreateTenantAsync("rules story");
        using (client)
        {
            client.DefaultRequestHeaders.Add("X-Actor", "ops-lead");
            var created = await client.PostAsJsonAsync("/v1/rules", OutOfHoursReply("acme-ksa"));
            var rule = await HubApi.ReadJson(created, HttpStatusCode.Created);
            var id = rule["id"]!.GetValue<Guid>();
            Assert.Multiple(() =>
            {
                Assert.That(created.Headers.Location?.ToString(), Is.EqualTo($"/v1/rules/{id}"));
                Assert.That(created.Headers.ETag?.Tag, Is.EqualTo("\"1\""));
                Assert.That(rule["enabled"]!.GetValue<bool>(), Is.True);
                Assert.That(rule["conditions"]!["any"]!.AsArray(), Is.Empty);
                Assert.That(rule["actions"]![0]!["texts"]!["ar"]!.GetValue<string>(), Does.StartWith("نحن"));
            });

            await HubApi.ReadProblem(
                await client.SendIfMatchAsync(HttpMethod.Put, $"/v1/rules/{id}", "\"5\"", OutOfHoursReply()),
                HttpStatusCode.PreconditionFailed,
                "precondition-failed"
            );
            var replaced = await client.SendIfMatchAsync(HttpMethod.Put, $"/v1/rules/{id}", "\"1\"", OutOfHoursReply());
            Assert.That(replaced.Headers.ETag?.Tag, Is.EqualTo("\"2\""));
            var read = await HubApi.ReadJson(await client.GetAsync($"/v1/rules/{id}"), HttpStatusCode.OK);
            Assert.That(read["brands"], Is.Null);
            var listed = await HubApi.ReadJson(await client.GetAsync("/v1/rules"), HttpStatusCode.OK);
            Assert.That(listed["items"]!.AsArray().Select(r => r!["id"]!.GetValue<Guid>()), Is.EqualTo(new[] { id }));
            Assert.That(
                (await client.SendIfMatchAsync(HttpMethod.Delete, $"/v1/rules/{id}", "\"2\"", null)).StatusCode,
                Is.EqualTo(HttpStatusCode.NoContent)
            );
            await HubApi.ReadProblem(await client.GetAsync($"/v1/rules/{id}"), HttpStatusCode.NotFound, "not-found");

            var events = await client.WaitForEventsAsync(3, "rule.*");
            Assert.Multiple(() =>
            {
                Assert.That(
                    events.Select(e => e!["type"]!.GetValue<string>()),
                    Is.EqualTo(new[] { "rule.created", "rule.updated", "rule.deleted" })
                );
                Assert.That(
                    events.Select(e => e!["data"]!["actor"]!["person"]!.GetValue<string>()),
                    Is.All.EqualTo("ops-lead")
                );
            });
        }
    }

    [TestCase("sentiment", "eq", "\"angry\"", TestName = "An unknown field is refused")]
    [TestCase("author.followers", "contains", "\"x\"", TestName = "An operator the field does not take is refused")]
    [TestCase("text", "matches", "\"([a-z\"", TestName = "A regular expression that does not compile is refused")]
    [TestCase("text", "matches", "\"(a)\\\\1\"", TestName = "A backreference, which needs backtracking, is refused")]
    [TestCase("text", "containsAny", "[]", TestName = "An empty list is refused")]
    [TestCase("author.followers", "gt", "\"many\"", TestName = "A comparison with a non-number is refused")]
    [TestCase("customer.context.crm", "eq", "\"gold\"", TestName = "A context field without a key is refused")]
    [TestCase("withinBusinessHours", "eq", "\"yes\"", TestName = "A flag compared with text is refused")]
    public async Task A_condition_the_hub_cannot_evaluate_is_refused(string field, string op, string value)
    {
        var (_, client) = await Hub.CreateTenantAsync("rules conditions");
        using (client)
        {
            var body = JsonNode.Parse(
                $$"""
                {"name": "bad", "trigger": "engagement.received",
                 "conditions": {"all": [{"field": "{{field}}", "op": "{{op}}", "value": {{value}}}]},
                 "actions": [{"type": "addTags", "tags": ["x"]}]}
                """
            );
            await HubApi.ReadProblem(
                await client.PostAsJsonAsync("/v1/rules", body),
                HttpStatusCode.BadRequest,
                "validation-failed"
            );
        }
    }

    [Test]
    public async Task A_reply_in_several_languages_names_its_fallback()
    {
        var (_, client) = await Hub.CreateTenantAsync("rules fallback");
        using (client)
        {
            var problem = await HubApi.ReadProblem(
                await client.PostAsJsonAsync(
                    "/v1/rules",
                    new
                    {
                        name = "no fallback",
                        trigger = "conversation.opened",
                        actions = new[]
                        {
                            new
                            {
                                type = "reply",
                                texts = new Dictionary<string, string> { ["ar"] = "مرحبا", ["en"] = "Hello" },
                            },
                        },
                    }
                ),
                HttpStatusCode.BadRequest,
                "validation-failed"
            );
            Assert.That(problem["errors"]!.ToJsonString(), Does.Contain("fallback"));
        }
    }

    [Test]
    public async Task What_a_rule_names_must_exist_and_a_brand_limited_key_keeps_to_its_brands()
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync("rules references");
        using (client)
        {
            await HubApi.ReadProblem(
                await client.PostAsJsonAsync(
                    "/v1/rules",
                    new
                    {
                        name = "sla",
                        trigger = "conversation.opened",
                        actions = new[] { new { type = "applySla", policyId = Guid.NewGuid() } },
                    }
                ),
                HttpStatusCode.UnprocessableEntity,
                "unknown-sla-policy"
            );
            await HubApi.ReadJson(
                await client.PostAsJsonAsync("/v1/teams", new { name = "Billing" }),
                HttpStatusCode.Created
            );
            await HubApi.ReadProblem(
                await client.PostAsJsonAsync(
                    "/v1/rules",
                    new
                    {
                        name = "assign",
                        trigger = "conversation.opened",
                        actions = new[] { new { type = "assign", team = "Tier 9" } },
                    }
                ),
                HttpStatusCode.UnprocessableEntity,
                "unknown-team"
            );

            var (_, key) = await Hub.CreateKeyAsync(workspaceId, "namshi ops", [Scopes.WorkflowManage], ["Namshi"]);
            using var limited = Hub.ClientWithKey(key);
            await HubApi.ReadProblem(
                await limited.PostAsJsonAsync("/v1/rules", OutOfHoursReply()),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            var theirs = await HubApi.ReadJson(
                await client.PostAsJsonAsync("/v1/rules", OutOfHoursReply("Ounass")),
                HttpStatusCode.Created
            );
            await HubApi.ReadProblem(
                await limited.GetAsync($"/v1/rules/{theirs["id"]}"),
                HttpStatusCode.NotFound,
                "not-found"
            );
            await HubApi.ReadJson(
                await limited.PostAsJsonAsync("/v1/rules", OutOfHoursReply("Namshi")),
                HttpStatusCode.Created
            );
            var listed = await HubApi.ReadJson(await limited.GetAsync("/v1/rules"), HttpStatusCode.OK);
            Assert.That(
                listed["items"]!.AsArray().Select(r => r!["brands"]![0]!.GetValue<string>()),
                Is.EqualTo(new[] { "Namshi" })
            );

            var (_, other) = await Hub.CreateTenantAsync("rules other workspace");
            using (other)
            {
                await HubApi.ReadProblem(
                    await other.GetAsync($"/v1/rules/{theirs["id"]}"),
                    HttpStatusCode.NotFound,
                    "not-found"
                );
            }
        }
    }

    /// <summary>
    /// The story of the issue: an angry public post from a gold customer, out of hours. The out-of-hours rule answers
    /// at once in the customer's language; once CRM says the customer is gold, the VIP rule makes the conversation
    /// urgent, tags it and applies the gold SLA, whose clock the automatic reply does not stop: it warns, then breaches.
    /// </summary>
    [Test]
    public async Task An_angry_gold_customer_out_of_hours_is_answered_made_urgent_and_put_on_a_clock_that_breaches()
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync("rules gold story");
        using (client)
        {
            // Open one hour a week, two days from now: closed now, next open at 09:00 Riyadh time.
            var day = DateTime.UtcNow.Date.AddDays(2);
            var name = day.DayOfWeek.ToString()[..3].ToLowerInvariant();
            await client.ConfigureBrandAsync(
                "acme-ksa",
                null,
                new Dictionary<string, object[]> { [name] = [new { from = "09:00", to = "10:00" }] },
                "Asia/Riyadh"
            );
            var gold = await client.CreatePolicyAsync(
                new
                {
                    name = "Gold",
                    firstResponse = "PT3S",
                    warnBefore = "PT1S",
                }
            );
            await HubApi.ReadJson(await client.PostAsJsonAsync("/v1/rules", OutOfHoursReply()), HttpStatusCode.Created);
            var vip = await HubApi.ReadJson(
                await client.PostAsJsonAsync(
                    "/v1/rules",
                    new
                    {
                        name = "Gold and angry",
                        order = 1,
                        trigger = "conversation.context_updated",
                        conditions = new
                        {
                            all = new object[]
                            {
                                new
                                {
                                    field = "customer.context.crm.tier",
                                    op = "eq",
                                    value = "gold",
                                },
                                new
                                {
                                    field = "visibility",
                                    op = "eq",
                                    value = "public",
                                },
                            },
                            any = new object[]
                            {
                                new
                                {
                                    field = "text",
                                    op = "containsAny",
                                    value = new[] { "refund", "غاضب", "😡" },
                                },
                                new
                                {
                                    field = "author.followers",
                                    op = "gte",
                                    value = 10000,
                                },
                            },
                        },
                        actions = new object[]
                        {
                            new { type = "setPriority", level = "urgent" },
                            new { type = "addTags", tags = new[] { "vip", "angry" } },
                            new { type = "applySla", policyId = gold },
                        },
                    }
                ),
                HttpStatusCode.Created
            );
            var channel = await client.CreateChannelAsync("app-chat", "acme-ksa");
            var conversation = (
                await client.IngestAsync(
                    new
                    {
                        channelId = channel,
                        platformMessageId = "post-1",
                        author = new { platformUserId = "gold-1", displayName = "نورة" },
                        text = "أنا غاضب جداً 😡 where is my refund?",
                        visibility = "public",
                        language = "ar",
                        occurredAt = DateTimeOffset.UtcNow.AddSeconds(-1),
                    }
                )
            )["conversationId"]!.GetValue<Guid>();

            var reply = (await client.WaitForConversationEventsAsync(conversation, 1, "reply.requested"))[0];
            Assert.Multiple(() =>
            {
                Assert.That(reply["data"]!["actor"]!["kind"]!.GetValue<string>(), Is.EqualTo("rule"));
                Assert.That(reply["data"]!["actor"]!["name"]!.GetValue<string>(), Is.EqualTo("Out of hours"));
                Assert.That(reply["data"]!["actor"]!["ruleId"], Is.Not.Null);
                Assert.That(
                    reply["data"]!["text"]!.GetValue<string>(),
                    Is.EqualTo("نحن مغلقون حتى 09:00 بتوقيت الرياض 🌙")
                );
                Assert.That(reply["data"]!["visibility"]!.GetValue<string>(), Is.EqualTo("public"));
                Assert.That(reply["data"]!["inReplyTo"]!.GetValue<string>(), Is.EqualTo("post-1"));
            });

            var (_, crmKey) = await Hub.CreateKeyAsync(workspaceId, "crm", [Scopes.ConversationsWrite]);
            using var crm = Hub.ClientWithKey(crmKey);
            await crm.ActAsync(conversation, "context", new { values = new { tier = "gold" } });

            var changes = await client.WaitForConversationEventsAsync(
                conversation,
                5,
                "conversation.priority_changed,conversation.tagged,sla.*"
            );
            var view = await client.ConversationAsync(conversation);
            Assert.Multiple(() =>
            {
                Assert.That(
                    changes.Take(5).Select(e => e.Type()),
                    Is.EqualTo(
                        new[]
                        {
                            "conversation.priority_changed",
                            "conversation.tagged",
                            "sla.applied",
                            "sla.warning",
                            "sla.breached",
                        }
                    ),
                    "the rule's automatic reply does not count as a response"
                );
                Assert.That(
                    changes.Take(3).Select(e => e["data"]!["actor"]!["ruleId"]!.GetValue<Guid>()),
                    Is.All.EqualTo(vip["id"]!.GetValue<Guid>())
                );
                Assert.That(changes[2]["data"]!["source"]!.GetValue<string>(), Is.EqualTo("rule"));
                Assert.That(view["priority"]!["level"]!.GetValue<string>(), Is.EqualTo("urgent"));
                Assert.That(
                    view["tags"]!.AsArray().Select(t => t!.GetValue<string>()),
                    Is.EquivalentTo(new[] { "vip", "angry" })
                );
                Assert.That(view["sla"]!["targets"]![0]!["status"]!.GetValue<string>(), Is.EqualTo("breached"));
            });

            // The rules' own events run no rules: one engagement, one automatic reply.
            await client.IngestAsync(HubApi.Engagement(channel, "post-2", "gold-1", "Hello?", "public"));
            var replies = await client.WaitForConversationEventsAsync(conversation, 2, "reply.requested");
            Assert.That(replies, Has.Count.EqualTo(2));
        }
    }

    [Test]
    public async Task A_dry_run_says_which_rules_would_fire_and_what_they_would_do_and_changes_nothing()
    {
        var (_, client) = await Hub.CreateTenantAsync("rules dry run");
        using (client)
        {
            await client.ConfigureBrandAsync("Namshi", null);
            await HubApi.ReadJson(
                await client.PostAsJsonAsync(
                    "/v1/rules",
                    new
                    {
                        name = "Influencers first",
                        trigger = "engagement.received",
                        conditions = new
                        {
                            all = new object[]
                            {
                                new
                                {
                                    field = "author.followers",
                                    op = "gte",
                                    value = 10000,
                                },
                                new
                                {
                                    field = "text",
                                    op = "matches",
                                    value = "\\b(refund|late)\\b",
                                },
                            },
                        },
                        actions = new object[]
                        {
                            new { type = "setPriority", level = "high" },
                            new { type = "acknowledge" },
                        },
                        stopProcessing = true,
                    }
                ),
                HttpStatusCode.Created
            );
            await HubApi.ReadJson(await client.PostAsJsonAsync("/v1/rules", OutOfHoursReply()), HttpStatusCode.Created);
            var channel = await client.CreateChannelAsync("app-chat", "Namshi");
            var before = await client.GetAsync("/v1/events?limit=500");
            var count = (await HubApi.ReadJson(before, HttpStatusCode.OK))["items"]!.AsArray().Count;

            var answer = await HubApi.ReadJson(
                await client.PostAsJsonAsync(
                    "/v1/rules/test",
                    new
                    {
                        engagement = new
                        {
                            channelId = channel,
                            platformMessageId = "dry-1",
                            author = new { platformUserId = "influencer" },
                            text = "My order is LATE",
                            visibility = "public",
                            occurredAt = DateTimeOffset.UtcNow,
                            metadata = new { author = new { followers = 250000 } },
                        },
                    }
                ),
                HttpStatusCode.OK
            );
            var rules = answer["rules"]!.AsArray();
            Assert.Multiple(() =>
            {
                Assert.That(rules, Has.Count.EqualTo(1), "the first rule stops the others");
                Assert.That(rules[0]!["matched"]!.GetValue<bool>(), Is.True);
                Assert.That(rules[0]!["conditions"]![0]!["actual"]!.GetValue<double>(), Is.EqualTo(250000));
                Assert.That(
                    rules[0]!["actions"]!.AsArray().Select(a => a!["events"]![0]!.GetValue<string>()),
                    Is.EqualTo(new[] { "conversation.priority_changed", "conversation.acknowledged" })
                );
            });

            var quiet = await HubApi.ReadJson(
                await client.PostAsJsonAsync(
                    "/v1/rules/test",
                    new
                    {
                        engagement = new
                        {
                            channelId = channel,
                            platformMessageId = "dry-2",
                            author = new { platformUserId = "someone" },
                            text = "Where is my parcel?",
                            visibility = "private",
                            occurredAt = DateTimeOffset.UtcNow,
                        },
                    }
                ),
                HttpStatusCode.OK
            );
            Assert.Multiple(() =>
            {
                Assert.That(quiet["withinBusinessHours"]!.GetValue<bool>(), Is.True, "a brand with no hours is open");
                Assert.That(
                    quiet["rules"]!.AsArray().Select(r => r!["matched"]!.GetValue<bool>()),
                    Is.EqualTo(new[] { false, false })
                );
                Assert.That(quiet["rules"]![0]!["conditions"]![0]!["actual"], Is.Null, "no followers in the metadata");
            });

            var after = await HubApi.ReadJson(await client.GetAsync("/v1/events?limit=500"), HttpStatusCode.OK);
            Assert.That(after["items"]!.AsArray(), Has.Count.EqualTo(count), "a dry run writes nothing");
            var conversations = await HubApi.ReadJson(await client.GetAsync("/v1/conversations"), HttpStatusCode.OK);
            Assert.That(conversations["items"]!.AsArray(), Is.Empty);

            // On an existing conversation, a draft rule reads the conversation as it is.
            var conversation = (await client.IngestAsync(HubApi.Engagement(channel, "real-1", "regular", "Hi")))[
                "conversationId"
            ]!.GetValue<Guid>();
            await client.ActAsync(conversation, "tags", new { add = new[] { "VIP" } });
            var draft = await HubApi.ReadJson(
                await client.PostAsJsonAsync(
                    "/v1/rules/test",
                    new
                    {
                        conversationId = conversation,
                        trigger = "conversation.context_updated",
                        engagement = new
                        {
                            channelId = channel,
                            platformMessageId = "dry-3",
                            author = new { platformUserId = "regular" },
                            text = "Hi",
                            visibility = "private",
                            occurredAt = DateTimeOffset.UtcNow,
                        },
                        rule = new
                        {
                            name = "VIPs to tier 2",
                            trigger = "conversation.context_updated",
                            conditions = new
                            {
                                all = new object[]
                                {
                                    new
                                    {
                                        field = "conversation.tags",
                                        op = "contains",
                                        value = "vip",
                                    },
                                },
                            },
                            actions = new object[] { new { type = "assign", team = "Tier 2" } },
                        },
                    }
                ),
                HttpStatusCode.OK
            );
            var tried = draft["rules"]!.AsArray().Single()!;
            Assert.Multiple(() =>
            {
                Assert.That(tried["ruleId"], Is.Null, "a draft has no id");
                Assert.That(tried["matched"]!.GetValue<bool>(), Is.True);
                Assert.That(tried["conditions"]![0]!["actual"]![0]!.GetValue<string>(), Is.EqualTo("vip"));
                Assert.That(
                    tried["actions"]![0]!["events"]![0]!.GetValue<string>(),
                    Is.EqualTo("conversation.assigned")
                );
            });
        }
    }
}
