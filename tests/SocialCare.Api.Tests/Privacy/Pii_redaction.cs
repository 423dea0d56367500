using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Support;

namespace SocialCare.Api.Tests.Privacy;

/// <summary>
/// What each subscriber and key sees of a customer's personal data (issue 20, point 2): a marker in the customer's
/// id, name, words and metadata must reach a <c>full</c> subscriber and a <c>pii:read</c> key, and nobody else.
/// </summary>
public sealed class Pii_redaction : HubFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Webhooks:AllowPrivateTargets"] = "true" };

    private static readonly string[] Watched =
    [
        "engagement.received",
        "customer.created",
        "conversation.opened",
        "reply.requested",
        "conversation.note_added",
        "conversation.context_updated",
    ];

    private sealed record Story(Guid WorkspaceId, HttpClient Client, string Marker, string UserId, Guid ConversationId);

    /// <summary>A customer whose every personal field holds the marker: id, name, text (Arabic and emoji), metadata;
    /// then an agent's reply, a note and a context value that hold it too.</summary>
    private async Task<Story> TellAsync(string name, HttpClient? client = null, Guid? workspaceId = null)
    {
        var marker = "PII" + Guid.NewGuid().ToString("N")[..12];
        if (client is null)
        {
            (workspaceId, client) = await Hub.CreateTenantAsync(name);
        }

        var channel = await client.CreateChannelAsync("app-chat", "Careem");
        var userId = $"rider-{marker}";
        var ids = await client.IngestAsync(
            new
            {
                channelId = channel,
                platformMessageId = $"m-{Guid.NewGuid():N}",
                threadKey = $"thread-{marker}",
                author = new { platformUserId = userId, displayName = $"نادية {marker} 🌙" },
                text = $"My IBAN is {marker} — شكرا 🙏",
                visibility = "private",
                occurredAt = DateTimeOffset.UtcNow.AddSeconds(-1),
                metadata = new { crmNote = marker },
            }
        );
        var conversationId = ids["conversationId"]!.GetValue<Guid>();
        await MarkedActions.ActAsync(client, conversationId, marker);
        return new Story(workspaceId!.Value, client, marker, userId, conversationId);
    }

    private static async Task<Guid> SubscribeAsync(HttpClient client, string url, string? pii)
    {
        var created = await HubApi.ReadJson(
            await client.PostAsJsonAsync(
                "/v1/subscriptions",
                new
                {
                    url,
                    eventTypes = Watched,
                    pii,
                }
            ),
            HttpStatusCode.Created
        );
        return created["id"]!.GetValue<Guid>();
    }

    private static async Task<Dictionary<string, JsonNode>> ReceivedAsync(WebhookReceiver receiver, string path)
    {
        var requests = await receiver.WaitForAsync(r => r.Path == path, Watched.Length);
        return requests
            .Select(r => JsonNode.Parse(r.Body)!)
            .ToDictionary(e => e["type"]!.GetValue<string>(), e => e, StringComparer.Ordinal);
    }

    private static string? At(JsonNode e, params string[] path) =>
        path.Aggregate((JsonNode?)e["data"], (node, field) => node?[field]) is JsonValue v ? v.ToString() : null;

    [Test]
    public async Task Each_subscriber_receives_what_its_pii_mode_allows_and_pseudonyms_join_one_customer()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (workspaceId, client) = await Hub.CreateTenantAsync("pii subscribers");
        using (client)
        {
            await SubscribeAsync(client, receiver.Url("/full"), null);
            await SubscribeAsync(client, receiver.Url("/pseudonymous"), "pseudonymous");
            await SubscribeAsync(client, receiver.Url("/none"), "none");
            var story = await TellAsync("pii subscribers", client, workspaceId);

            var full = await ReceivedAsync(receiver, "/full");
            var pseudonymous = await ReceivedAsync(receiver, "/pseudonymous");
            var none = await ReceivedAsync(receiver, "/none");

            foreach (var type in Watched)
            {
                Assert.That(full[type].ToJsonString(), Does.Contain(story.Marker), $"full {type}");
            }

            Assert.That(
                At(full["engagement.received"], "author", "displayName"),
                Is.EqualTo($"نادية {story.Marker} 🌙")
            );
            Assert.That(full["engagement.received"]["pii"], Is.Null, "a full delivery is the event as it is");
            foreach (var (mode, received) in new[] { ("pseudonymous", pseudonymous), ("none", none) })
            {
                foreach (var (type, e) in received)
                {
                    var raw = receiver.All.First(r =>
                        r.Path == "/" + mode && Encoding.UTF8.GetString(r.Body).Contains($"\"type\":\"{type}\"")
                    );
                    Assert.That(Encoding.UTF8.GetString(raw.Body), Does.Not.Contain(story.Marker), $"{mode} {type}");
                    Assert.That(e["pii"]!.GetValue<string>(), Is.EqualTo(mode));
                }

                var engagement = received["engagement.received"];
                Assert.Multiple(() =>
                {
                    Assert.That(At(engagement, "text"), Is.Null);
                    Assert.That(engagement["data"]!["attachments"], Is.Null);
                    Assert.That(engagement["data"]!["metadata"], Is.Null);
                    Assert.That(At(received["reply.requested"], "text"), Is.Null);
                    Assert.That(At(received["conversation.note_added"], "text"), Is.Null);
                    Assert.That(received["conversation.context_updated"]["data"]!["personalValues"], Is.Null);
                    Assert.That(
                        received["conversation.context_updated"]["data"]!["values"]!["segment"]!.GetValue<string>(),
                        Is.EqualTo("gold"),
                        "a value the department did not mark personal"
                    );
                    // What is not personal stays: ids, times, channel, visibility.
                    Assert.That(
                        engagement["data"]!["conversationId"]!.GetValue<Guid>(),
                        Is.EqualTo(story.ConversationId)
                    );
                    Assert.That(At(engagement, "visibility"), Is.EqualTo("private"));
                    Assert.That(At(engagement, "channelType"), Is.EqualTo("app-chat"));
                });
            }

            // A pseudonymous subscriber can still join one customer's events; an anonymous one sees no identity.
            var pseudonym = At(pseudonymous["engagement.received"], "author", "platformUserId");
            Assert.Multiple(() =>
            {
                Assert.That(pseudonym, Does.Match("^psn_[A-Za-z0-9_-]{22}$"));
                Assert.That(At(pseudonymous["customer.created"], "identity", "platformUserId"), Is.EqualTo(pseudonym));
                Assert.That(At(pseudonymous["reply.requested"], "recipient"), Is.EqualTo(pseudonym));
                Assert.That(
                    At(pseudonymous["engagement.received"], "author", "displayName"),
                    Does.StartWith("psn_").And.Not.EqualTo(pseudonym)
                );
                Assert.That(At(none["engagement.received"], "author", "platformUserId"), Is.Null);
                Assert.That(At(none["customer.created"], "displayName"), Is.Null);
                Assert.That(At(none["reply.requested"], "recipient"), Is.Null);
            });

            // The same person in another workspace has another pseudonym there.
            var (otherWorkspace, other) = await Hub.CreateTenantAsync("pii elsewhere");
            using (other)
            {
                await SubscribeAsync(other, receiver.Url("/elsewhere"), "pseudonymous");
                var channel = await other.CreateChannelAsync("app-chat", "Careem");
                await other.IngestAsync(HubApi.Engagement(channel, "m-elsewhere", story.UserId));
                var elsewhere = (
                    await receiver.WaitForAsync(
                        r => r.Path == "/elsewhere" && Encoding.UTF8.GetString(r.Body).Contains("engagement.received"),
                        1
                    )
                ).Single();
                var theirs = At(JsonNode.Parse(elsewhere.Body)!, "author", "platformUserId");
                Assert.That(theirs, Does.StartWith("psn_").And.Not.EqualTo(pseudonym), otherWorkspace.ToString());
            }
        }
    }

    [Test]
    public async Task Making_a_subscription_less_revealing_takes_effect_with_its_next_delivery()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, client) = await Hub.CreateTenantAsync("pii downgrade");
        using (client)
        {
            var id = await SubscribeAsync(client, receiver.Url("/dept"), "full");
            var channel = await client.CreateChannelAsync("app-chat", "Careem");
            await client.IngestAsync(HubApi.Engagement(channel, "m-1", "rider-1", "first words"));
            var first = await receiver.WaitForAsync(r => Encoding.UTF8.GetString(r.Body).Contains("first words"), 1);

            var updated = await HubApi.ReadJson(
                await client.PatchAsJsonAsync($"/v1/subscriptions/{id}", new { pii = "none" }),
                HttpStatusCode.OK
            );
            Assert.That(updated["pii"]!.GetValue<string>(), Is.EqualTo("none"));
            await client.IngestAsync(HubApi.Engagement(channel, "m-2", "rider-1", "second words"));
            var second = await receiver.WaitForAsync(
                r =>
                    r.Path == "/dept"
                    && JsonNode.Parse(r.Body)!["type"]!.GetValue<string>() == "engagement.received"
                    && JsonNode.Parse(r.Body)!["pii"]?.GetValue<string>() == "none",
                1
            );
            Assert.Multiple(() =>
            {
                Assert.That(first, Has.Count.EqualTo(1));
                Assert.That(
                    receiver.All.Select(r => Encoding.UTF8.GetString(r.Body)),
                    Has.None.Contains("second words")
                );
                Assert.That(At(JsonNode.Parse(second.Single().Body)!, "author", "platformUserId"), Is.Null);
            });
        }
    }

    [Test]
    public async Task A_key_without_pii_read_reads_pseudonymously_everywhere_and_a_key_with_it_reads_everything()
    {
        var story = await TellAsync("pii keys");
        using var full = story.Client;
        var (_, narrowKey) = await Hub.CreateKeyAsync(
            story.WorkspaceId,
            "marketing",
            ["conversations:read", "customers:read", "events:read"]
        );
        using var narrow = Hub.ClientWithKey(narrowKey);
        var events = await full.WaitForEventsAsync(Watched.Length);
        var customerId = events.First(e => e!["type"]!.GetValue<string>() == "customer.created")!["data"]![
            "customerId"
        ]!.GetValue<Guid>();
        string[] reads =
        [
            $"/v1/conversations/{story.ConversationId}",
            $"/v1/conversations/{story.ConversationId}/timeline",
            $"/v1/customers/{customerId}",
            "/v1/events?limit=500",
        ];
        foreach (var path in reads)
        {
            var seen = await (await full.GetAsync(path)).Content.ReadAsStringAsync();
            var redacted = await narrow.GetAsync(path);
            var body = await redacted.Content.ReadAsStringAsync();
            Assert.Multiple(() =>
            {
                Assert.That(seen, Does.Contain(story.Marker), $"{path} with pii:read");
                Assert.That(redacted.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{path}: {body}");
                Assert.That(body, Does.Not.Contain(story.Marker), path);
            });
        }

        // The read models, the changefeed and the webhooks share the workspace's pseudonyms.
        var view = await HubApi.ReadJson(
            await narrow.GetAsync($"/v1/conversations/{story.ConversationId}"),
            HttpStatusCode.OK
        );
        var feed = await HubApi.ReadJson(await narrow.GetAsync("/v1/events?limit=500"), HttpStatusCode.OK);
        var pseudonym = feed["items"]!.AsArray().First(e => e!["type"]!.GetValue<string>() == "engagement.received")![
            "data"
        ]!["author"]!["platformUserId"]!.GetValue<string>();
        Assert.Multiple(() =>
        {
            Assert.That(pseudonym, Does.StartWith("psn_"));
            Assert.That(view["latestEngagements"]![0]!["text"], Is.Null);
            Assert.That(view["personalContext"], Is.Null);
            Assert.That(view["context"]!["pii keys app"]!["segment"]!.GetValue<string>(), Is.EqualTo("gold"));
            Assert.That(view.ToJsonString(), Does.Contain(pseudonym));
        });

        // The stream, from the start.
        var (stream, response) = await EventStreamClient.OpenAsync(narrow, lastEventId: 0);
        using (response)
        using (stream)
        {
            Assert.That(stream, Is.Not.Null, response.StatusCode.ToString());
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var streamed = await stream!.ReadEventsAsync(events.Count, timeout.Token);
            Assert.Multiple(() =>
            {
                Assert.That(streamed.Select(s => s.Item.ToJsonString()), Has.None.Contains(story.Marker));
                Assert.That(streamed.Select(s => s.Item.ToJsonString()), Has.Some.Contains(pseudonym));
            });
        }

        // A rule's dry run shows what a condition read: the customer's words, not to this key.
        var (_, opsKey) = await Hub.CreateKeyAsync(story.WorkspaceId, "ops", ["workflow:manage"]);
        using var ops = Hub.ClientWithKey(opsKey);
        object DryRun() =>
            new
            {
                conversationId = story.ConversationId,
                trigger = "engagement.received",
                engagement = new
                {
                    channelId = view["currentChannelId"]!.GetValue<Guid>(),
                    platformMessageId = "dry-1",
                    author = new { platformUserId = story.UserId },
                    text = $"Still waiting {story.Marker}",
                    visibility = "private",
                    occurredAt = DateTimeOffset.UtcNow,
                },
                rule = new
                {
                    name = "words",
                    trigger = "engagement.received",
                    conditions = new
                    {
                        all = new object[]
                        {
                            new
                            {
                                field = "text",
                                op = "contains",
                                value = "waiting",
                            },
                            new
                            {
                                field = "customer.context.pii keys app.iban",
                                op = "exists",
                                value = true,
                            },
                        },
                    },
                    actions = new object[] { new { type = "addTags", tags = new[] { "late" } } },
                },
            };
        var redactedRun = await HubApi.ReadJson(
            await ops.PostAsJsonAsync("/v1/rules/test", DryRun()),
            HttpStatusCode.OK
        );
        var fullRun = await HubApi.ReadJson(await full.PostAsJsonAsync("/v1/rules/test", DryRun()), HttpStatusCode.OK);
        Assert.Multiple(() =>
        {
            Assert.That(redactedRun.ToJsonString(), Does.Not.Contain(story.Marker));
            Assert.That(redactedRun["rules"]![0]!["conditions"]![0]!["actual"], Is.Null);
            Assert.That(redactedRun["rules"]![0]!["conditions"]![0]!["passed"]!.GetValue<bool>(), Is.True);
            Assert.That(
                fullRun["rules"]![0]!["conditions"]![0]!["actual"]!.GetValue<string>(),
                Does.Contain(story.Marker)
            );
            // A value the department marked personal is no fact for rules at all: it cannot be probed through them.
            Assert.That(fullRun["rules"]![0]!["conditions"]![1]!["passed"]!.GetValue<bool>(), Is.False);
        });

        // Whether someone is a customer is personal too.
        await HubApi.ReadProblem(
            await narrow.GetAsync($"/v1/customers?identity=app-chat:{story.UserId}"),
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        var found = await HubApi.ReadJson(
            await full.GetAsync($"/v1/customers?identity=app-chat:{story.UserId}"),
            HttpStatusCode.OK
        );
        Assert.That(found["items"]!.AsArray(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_key_without_pii_read_cannot_point_full_deliveries_anywhere()
    {
        var (workspaceId, full) = await Hub.CreateTenantAsync("pii subscriptions");
        using (full)
        {
            var (_, narrowKey) = await Hub.CreateKeyAsync(workspaceId, "marketing", ["subscriptions:manage"]);
            using var narrow = Hub.ClientWithKey(narrowKey);
            const string Url = "https://hooks.example.com/marketing";

            await HubApi.ReadProblem(
                await narrow.PostAsJsonAsync("/v1/subscriptions", new { url = Url, pii = "full" }),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            var own = await HubApi.ReadJson(
                await narrow.PostAsJsonAsync("/v1/subscriptions", new { url = Url }),
                HttpStatusCode.Created
            );
            Assert.That(own["pii"]!.GetValue<string>(), Is.EqualTo("pseudonymous"), "its default");
            await HubApi.ReadProblem(
                await narrow.PatchAsJsonAsync($"/v1/subscriptions/{own["id"]}", new { pii = "full" }),
                HttpStatusCode.Forbidden,
                "forbidden"
            );

            var theirs = await HubApi.ReadJson(
                await full.PostAsJsonAsync("/v1/subscriptions", new { url = "https://crm.example.com/hook" }),
                HttpStatusCode.Created
            );
            Assert.That(theirs["pii"]!.GetValue<string>(), Is.EqualTo("full"), "the default for a pii:read key");
            await HubApi.ReadProblem(
                await narrow.PatchAsJsonAsync($"/v1/subscriptions/{theirs["id"]}", new { url = Url }),
                HttpStatusCode.Forbidden,
                "forbidden"
            );
            var lowered = await HubApi.ReadJson(
                await narrow.PatchAsJsonAsync($"/v1/subscriptions/{theirs["id"]}", new { pii = "none", url = Url }),
                HttpStatusCode.OK
            );
            Assert.That(lowered["pii"]!.GetValue<string>(), Is.EqualTo("none"));

            var bad = await HubApi.ReadProblem(
                await full.PostAsJsonAsync("/v1/subscriptions", new { url = Url, pii = "partial" }),
                HttpStatusCode.BadRequest,
                "validation-failed"
            );
            Assert.That(bad.ToJsonString(), Does.Contain("pii"));
        }
    }
}
