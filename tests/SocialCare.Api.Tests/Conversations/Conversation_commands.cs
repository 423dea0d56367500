using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Conversations;

/// <summary>Departments act on one conversation through the API; every other app sees each action, in order, with its
/// actor.</summary>
public sealed class Conversation_commands : HubFixture
{
    private async Task<(Guid WorkspaceId, Guid ConversationId, HttpClient Care, HttpClient Billing)> ArrangeAsync(
        string name
    )
    {
        var workspaceId = await Hub.CreateWorkspaceAsync(name);
        var (_, careKey) = await Hub.CreateKeyAsync(
            workspaceId,
            "care-app",
            ["engagements:write", "channels:manage", "conversations:read", "conversations:write", "events:read"]
        );
        var (_, billingKey) = await Hub.CreateKeyAsync(
            workspaceId,
            "billing-app",
            ["conversations:read", "conversations:write"]
        );
        var care = Hub.ClientWithKey(careKey);
        var billing = Hub.ClientWithKey(billingKey);
        var channel = await care.CreateChannelAsync("whatsapp", "Namshi");
        var ids = await care.IngestAsync(
            HubApi.Engagement(channel, "wamid.A", "447700900123", "Invoice INV-12345 charged twice")
        );
        return (workspaceId, ids["conversationId"]!.GetValue<Guid>(), care, billing);
    }

    private static async Task<JsonNode> Act(
        HttpClient client,
        Guid conversationId,
        string command,
        object? body = null,
        HttpStatusCode expected = HttpStatusCode.OK
    ) =>
        await HubApi.ReadJson(
            await client.PostAsJsonAsync($"/v1/conversations/{conversationId}/{command}", body ?? new { }),
            expected
        );

    [Test]
    public async Task Two_departments_act_and_a_third_apps_consumer_and_the_timeline_see_every_action_in_order()
    {
        await using var tap = await RabbitTap.BindAsync("socialcare.events");
        var (workspaceId, id, care, billing) = await ArrangeAsync("two departments");
        using (care)
        using (billing)
        {
            care.DefaultRequestHeaders.Add("X-Actor", "agent-layla");
            await Act(care, id, "acknowledge");
            await Act(
                billing,
                id,
                "links",
                new
                {
                    system = "billing",
                    recordType = "invoice",
                    recordId = "INV-12345",
                    url = "https://billing.example/inv/12345",
                }
            );
            await Act(billing, id, "notes", new { text = "Refund issued for the double charge." });
            await Act(care, id, "assign", new { team = "Tier 2", agent = "layla" });
            await Act(care, id, "tags", new { add = new[] { " Billing ", "Double Charge" } });
            await Act(billing, id, "priority", new { level = "high", reason = "money taken twice" });
            await Act(billing, id, "context", new { values = new { lifetimeValue = 1520.5, segment = "gold" } });
            var resolved = await Act(care, id, "resolve", new { reason = "refunded" });

            var expected = new[]
            {
                ("conversation.opened", "care-app"),
                ("engagement.received", "care-app"),
                ("conversation.acknowledged", "care-app"),
                ("conversation.linked", "billing-app"),
                ("conversation.note_added", "billing-app"),
                ("conversation.assigned", "care-app"),
                ("conversation.tagged", "care-app"),
                ("conversation.priority_changed", "billing-app"),
                ("conversation.context_updated", "billing-app"),
                ("conversation.resolved", "care-app"),
            };
            var timeline = await HubApi.ReadJson(
                await care.GetAsync($"/v1/conversations/{id}/timeline"),
                HttpStatusCode.OK
            );
            var bus = (await tap.WaitForAsync(workspaceId, expected.Length + 1))
                .Where(m => m["conversationId"]?.GetValue<Guid>() == id && m["customerId"] is not null)
                .ToList();
            var busConversationEvents = bus.Where(m => m["sequence"] is not null)
                .OrderBy(m => m["sequence"]!.GetValue<long>())
                .Select(m => m["actor"]!["name"]!.GetValue<string>())
                .ToList();
            Assert.Multiple(() =>
            {
                Assert.That(
                    timeline["items"]!
                        .AsArray()
                        .Select(e => (e!["type"]!.GetValue<string>(), e["actor"]!["name"]!.GetValue<string>())),
                    Is.EqualTo(expected)
                );
                Assert.That(timeline["items"]![2]!["actor"]!["person"]!.GetValue<string>(), Is.EqualTo("agent-layla"));
                Assert.That(resolved["version"]!.GetValue<long>(), Is.EqualTo(expected.Length));
                Assert.That(
                    busConversationEvents,
                    Has.Count.EqualTo(expected.Length + 1),
                    "customer.created plus every conversation event reached RabbitMQ"
                );
            });

            var conversation = await HubApi.ReadJson(
                await billing.GetAsync($"/v1/conversations/{id}"),
                HttpStatusCode.OK
            );
            Assert.Multiple(() =>
            {
                Assert.That(conversation["status"]!.GetValue<string>(), Is.EqualTo("resolved"));
                Assert.That(conversation["acknowledgedAt"], Is.Not.Null);
                Assert.That(
                    conversation["durations"]!["timeToAcknowledgeSeconds"]!.GetValue<double>(),
                    Is.GreaterThanOrEqualTo(0)
                );
                Assert.That(
                    conversation["durations"]!["timeToResolveSeconds"]!.GetValue<double>(),
                    Is.GreaterThanOrEqualTo(conversation["durations"]!["timeToAcknowledgeSeconds"]!.GetValue<double>())
                );
                Assert.That(conversation["assignment"]!["team"]!.GetValue<string>(), Is.EqualTo("Tier 2"));
                Assert.That(
                    conversation["tags"]!.AsArray().Select(t => t!.GetValue<string>()),
                    Is.EqualTo(new[] { "billing", "double-charge" })
                );
                Assert.That(conversation["priority"]!["level"]!.GetValue<string>(), Is.EqualTo("high"));
                Assert.That(conversation["links"]![0]!["recordId"]!.GetValue<string>(), Is.EqualTo("INV-12345"));
                Assert.That(conversation["links"]![0]!["linkedBy"]!.GetValue<string>(), Is.EqualTo("billing-app"));
                Assert.That(
                    conversation["context"]!["billing-app"]!["segment"]!.GetValue<string>(),
                    Is.EqualTo("gold")
                );
                Assert.That(
                    conversation["context"]!["billing-app"]!["lifetimeValue"]!.GetValue<double>(),
                    Is.EqualTo(1520.5)
                );
            });
        }
    }

    [Test]
    public async Task Stale_if_match_is_a_412_and_writes_no_event()
    {
        var (workspaceId, id, care, billing) = await ArrangeAsync("if-match");
        using (care)
        using (billing)
        {
            var current = await care.GetAsync($"/v1/conversations/{id}");
            var etag = current.Headers.ETag!.Tag;
            using var first = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{id}/acknowledge")
            {
                Content = JsonContent.Create(new { }),
            };
            first.Headers.TryAddWithoutValidation("If-Match", etag);
            var accepted = await care.SendAsync(first);
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(accepted.Headers.ETag!.Tag, Is.EqualTo("\"3\""));
            var before = await Database.CountEventsAsync(workspaceId);

            using var stale = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{id}/priority")
            {
                Content = JsonContent.Create(new { level = "urgent" }),
            };
            stale.Headers.TryAddWithoutValidation("If-Match", etag);
            await HubApi.ReadProblem(
                await billing.SendAsync(stale),
                HttpStatusCode.PreconditionFailed,
                "precondition-failed"
            );
            Assert.That(await Database.CountEventsAsync(workspaceId), Is.EqualTo(before));
        }
    }

    [Test]
    public async Task Repeated_idempotency_key_replays_the_first_response_and_writes_no_second_event()
    {
        var (workspaceId, id, care, billing) = await ArrangeAsync("idempotency");
        using (care)
        using (billing)
        {
            async Task<HttpResponseMessage> Note(string text)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{id}/notes")
                {
                    Content = JsonContent.Create(new { text }),
                };
                request.Headers.Add("Idempotency-Key", "note-7f3a");
                return await billing.SendAsync(request);
            }

            var first = await HubApi.ReadJson(await Note("Customer called about the refund"), HttpStatusCode.OK);
            var before = await Database.CountEventsAsync(workspaceId);
            var again = await Note("Customer called about the refund");
            var racing = await Task.WhenAll(
                Enumerable.Range(0, 5).Select(_ => Note("Customer called about the refund"))
            );
            var replayed = await HubApi.ReadJson(again, HttpStatusCode.OK);
            Assert.Multiple(() =>
            {
                Assert.That(replayed.ToJsonString(), Is.EqualTo(first.ToJsonString()));
                Assert.That(again.Headers.GetValues("Idempotent-Replayed").Single(), Is.EqualTo("true"));
                Assert.That(racing.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
            });
            Assert.That(await Database.CountEventsAsync(workspaceId), Is.EqualTo(before));
            await HubApi.ReadProblem(
                await Note("A different note"),
                HttpStatusCode.UnprocessableEntity,
                "idempotency-key-reused"
            );
        }
    }

    [Test]
    public async Task Illegal_moves_are_409_problems_with_stable_codes_and_write_nothing()
    {
        var (workspaceId, id, care, billing) = await ArrangeAsync("illegal");
        using (care)
        using (billing)
        {
            await HubApi.ReadProblem(
                await care.PostAsJsonAsync($"/v1/conversations/{id}/reopen", new { }),
                HttpStatusCode.Conflict,
                "not-resolved"
            );
            await Act(care, id, "acknowledge");
            await HubApi.ReadProblem(
                await billing.PostAsJsonAsync($"/v1/conversations/{id}/acknowledge", new { }),
                HttpStatusCode.Conflict,
                "already-acknowledged"
            );
            await Act(care, id, "resolve");
            var before = await Database.CountEventsAsync(workspaceId);
            await HubApi.ReadProblem(
                await billing.PostAsJsonAsync($"/v1/conversations/{id}/resolve", new { }),
                HttpStatusCode.Conflict,
                "already-resolved"
            );
            Assert.That(await Database.CountEventsAsync(workspaceId), Is.EqualTo(before));
            await Act(billing, id, "reopen");
        }
    }

    [Test]
    public async Task Unchanged_state_answers_200_without_a_new_event()
    {
        var (workspaceId, id, care, billing) = await ArrangeAsync("no-ops");
        using (care)
        using (billing)
        {
            await Act(
                billing,
                id,
                "links",
                new
                {
                    system = "crm",
                    recordType = "case",
                    recordId = "C-1",
                }
            );
            var before = await Database.CountEventsAsync(workspaceId);
            var again = await Act(
                billing,
                id,
                "links",
                new
                {
                    system = "CRM",
                    recordType = "Case",
                    recordId = "C-1",
                }
            );
            var priority = await Act(billing, id, "priority", new { level = "normal" });
            Assert.Multiple(async () =>
            {
                Assert.That(again["events"]!.AsArray(), Is.Empty);
                Assert.That(priority["events"]!.AsArray(), Is.Empty);
                Assert.That(await Database.CountEventsAsync(workspaceId), Is.EqualTo(before));
            });
        }
    }

    [Test]
    public async Task Another_workspaces_key_gets_404_and_a_read_only_key_gets_403()
    {
        var (_, id, care, billing) = await ArrangeAsync("tenancy");
        var (_, stranger) = await Hub.CreateTenantAsync("stranger");
        var (_, reader) = await Hub.CreateTenantAsync("reader", "conversations:read");
        using (care)
        using (billing)
        using (stranger)
        using (reader)
        {
            await HubApi.ReadProblem(
                await stranger.PostAsJsonAsync($"/v1/conversations/{id}/assign", new { team = "mine" }),
                HttpStatusCode.NotFound,
                "not-found"
            );
            await HubApi.ReadProblem(
                await stranger.GetAsync($"/v1/conversations/{id}"),
                HttpStatusCode.NotFound,
                "not-found"
            );
            await HubApi.ReadProblem(
                await reader.PostAsJsonAsync($"/v1/conversations/{id}/assign", new { team = "mine" }),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
        }
    }

    [Test]
    public async Task Inbound_after_resolution_within_the_window_reopens_the_conversation()
    {
        var (_, id, care, billing) = await ArrangeAsync("reopen on inbound");
        using (care)
        using (billing)
        {
            await Act(care, id, "resolve");
            var channel = (await HubApi.ReadJson(await care.GetAsync($"/v1/conversations/{id}"), HttpStatusCode.OK))[
                "currentChannelId"
            ]!.GetValue<Guid>();
            var ids = await care.IngestAsync(
                HubApi.Engagement(channel, "wamid.B", "447700900123", "Still not refunded")
            );
            Assert.That(ids["conversationId"]!.GetValue<Guid>(), Is.EqualTo(id));
            var timeline = await HubApi.ReadJson(
                await care.GetAsync($"/v1/conversations/{id}/timeline"),
                HttpStatusCode.OK
            );
            Assert.That(
                timeline["items"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()).TakeLast(2),
                Is.EqualTo(new[] { "conversation.reopened", "engagement.received" })
            );
            var conversation = await HubApi.ReadJson(await care.GetAsync($"/v1/conversations/{id}"), HttpStatusCode.OK);
            Assert.That(conversation["status"]!.GetValue<string>(), Is.EqualTo("open"));
        }
    }

    [Test]
    public async Task Reopening_while_the_customer_has_another_open_conversation_for_the_brand_is_a_409()
    {
        var (_, id, care, billing) = await ArrangeAsync("second open");
        using (care)
        using (billing)
        {
            await Act(care, id, "resolve");
            var channel = (await HubApi.ReadJson(await care.GetAsync($"/v1/conversations/{id}"), HttpStatusCode.OK))[
                "currentChannelId"
            ]!.GetValue<Guid>();
            // Time passes: the resolution is a month old, beyond the reopen window.
            await using (
                var age = Hub
                    .Services.GetRequiredService<Npgsql.NpgsqlDataSource>()
                    .CreateCommand(
                        $"update conversations set resolved_at = now() - interval '30 days' where id = '{id}'"
                    )
            )
            {
                await age.ExecuteNonQueryAsync();
            }
            var fresh = await care.IngestAsync(HubApi.Engagement(channel, "wamid.late", "447700900123", "New problem"));
            Assert.That(
                fresh["conversationId"]!.GetValue<Guid>(),
                Is.Not.EqualTo(id),
                "past the reopen window a new conversation starts"
            );
            await HubApi.ReadProblem(
                await billing.PostAsJsonAsync($"/v1/conversations/{id}/reopen", new { }),
                HttpStatusCode.Conflict,
                "customer-has-open-conversation"
            );
        }
    }

    [TestCase("priority", """{"level":"critical"}""", "level")]
    [TestCase("tags", """{}""", "add")]
    [TestCase("links", """{"system":"billing","recordType":"invoice"}""", "recordId")]
    [TestCase("context", """{"values":{}}""", "values")]
    [TestCase("notes", """{"text":""}""", "text")]
    public async Task Invalid_command_bodies_are_400_with_the_field(string command, string body, string field)
    {
        var (_, id, care, billing) = await ArrangeAsync("invalid " + command);
        using (care)
        using (billing)
        {
            var problem = await HubApi.ReadProblem(
                await billing.PostAsync($"/v1/conversations/{id}/{command}", HubApi.Json(body)),
                HttpStatusCode.BadRequest,
                "validation-failed"
            );
            Assert.That(problem["errors"]!.AsObject().Select(p => p.Key), Does.Contain(field));
        }
    }
}
