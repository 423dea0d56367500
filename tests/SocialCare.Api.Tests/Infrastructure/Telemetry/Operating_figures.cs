using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Support;
using SocialCare.Testing;

namespace SocialCare.Api.Tests.Infrastructure.Telemetry;

/// <summary>
/// What an operator's Prometheus and log shipper see of a hub (issue 21, points 2 and 3): the hub as a process of its
/// own on a database of its own, scraped at <c>/metrics</c> with the admin key, its standard output read line by line.
/// </summary>
public sealed class Operating_figures
{
    private string _database = null!;
    private HubProcess _hub = null!;
    private string _laggingDatabase = null!;
    private HubProcess _lagging = null!;

    [OneTimeSetUp]
    public async Task StartHubs()
    {
        _database = await TestEnvironment.CreateDatabaseAsync("figures");
        _hub = await TestHubProcess.StartAsync(
            _database,
            new Dictionary<string, string>
            {
                ["Webhooks__AllowPrivateTargets"] = "true",
                // A failed attempt is retried only much later: its delivery stays in the backlog while the test looks.
                ["Webhooks__RetrySchedule__0"] = "01:00:00",
                ["Webhooks__RetrySchedule__1"] = "01:00:00",
                ["Telemetry__SampleInterval"] = "00:00:00.200",
                ["Logging__LogLevel__Default"] = "Information",
            }
        );
        // Events nobody publishes: the relay is off.
        _laggingDatabase = await TestEnvironment.CreateDatabaseAsync("lagging");
        _lagging = await TestHubProcess.StartAsync(
            _laggingDatabase,
            new Dictionary<string, string>
            {
                ["Relay__Enabled"] = "false",
                ["Telemetry__MaxRelayLag"] = "00:00:00.500",
                ["Telemetry__SampleInterval"] = "00:00:00.200",
            }
        );
    }

    [OneTimeTearDown]
    public async Task StopHubs()
    {
        await _hub.DisposeAsync();
        await _lagging.DisposeAsync();
        await TestEnvironment.DropDatabaseAsync(_database);
        await TestEnvironment.DropDatabaseAsync(_laggingDatabase);
    }

    private static async Task<IReadOnlyList<PrometheusSample>> ScrapeAsync(HubProcess hub)
    {
        using var admin = hub.Client(HubFactory.AdminKey);
        var response = await admin.GetAsync("/metrics");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return Prometheus.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The sum of the samples named <paramref name="name"/> with these labels; NaN when there is none.</summary>
    private static double Value(
        IReadOnlyList<PrometheusSample> samples,
        string name,
        params (string Label, object Value)[] labels
    ) =>
        samples
            .Where(s => s.Name == name && labels.All(l => s.Has(l.Label, l.Value)))
            .Select(s => s.Value)
            .DefaultIfEmpty(double.NaN)
            .Sum();

    private static async Task<Guid> SubscribeAsync(HttpClient client, string url) =>
        (
            await HubApi.ReadJson(
                await client.PostAsJsonAsync(
                    "/v1/subscriptions",
                    new { url, eventTypes = new[] { "engagement.received" } }
                ),
                HttpStatusCode.Created
            )
        )["id"]!.GetValue<Guid>();

    [Test]
    public async Task A_scrape_shows_ingestion_the_relay_and_each_subscriptions_attempts_backlog_and_health()
    {
        using var admin = _hub.Client(HubFactory.AdminKey);
        var (_, key) = await admin.CreateTenantKeyAsync("metrics");
        using var client = _hub.Client(key);
        await using var healthy = await WebhookReceiver.StartAsync();
        await using var failing = await WebhookReceiver.StartAsync();
        failing.Respond = (_, _) => 500;
        var good = await SubscribeAsync(client, healthy.Url());
        var bad = await SubscribeAsync(client, failing.Url());
        var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
        for (var i = 0; i < 3; i++)
        {
            await client.IngestAsync(HubApi.Engagement(channel, $"metrics-{i}", $"97150000010{i}", "مرحبا 👋"));
        }

        await client.IngestAsync(
            HubApi.Engagement(channel, "metrics-0", "971500000100", "مرحبا 👋"),
            HttpStatusCode.OK
        );
        await healthy.WaitForAsync(_ => true, 3);
        await failing.WaitForAsync(_ => true, 3);
        // The backlog is sampled: wait for a sample taken after the failed attempts were recorded.
        var samples = await Eventually.Until(
            () => ScrapeAsync(_hub),
            s =>
                Value(s, "socialcare_webhook_backlog", ("subscription_id", bad)) == 3
                && Value(s, "socialcare_webhook_endpoint_failing_seconds", ("subscription_id", bad)) > 0
                && Value(s, "socialcare_webhook_backlog", ("subscription_id", good)) == 0,
            what: "the failing subscription's backlog of 3, the other's drained"
        );

        Assert.Multiple(() =>
        {
            Assert.That(
                Value(
                    samples,
                    "socialcare_webhook_attempts_total",
                    ("subscription_id", good),
                    ("outcome", "delivered")
                ),
                Is.EqualTo(3)
            );
            Assert.That(
                Value(samples, "socialcare_webhook_attempts_total", ("subscription_id", bad), ("outcome", "retrying")),
                Is.EqualTo(3)
            );
            Assert.That(
                Value(samples, "socialcare_webhook_delivery_latency_seconds_count", ("subscription_id", good)),
                Is.EqualTo(3)
            );
            Assert.That(
                Value(samples, "socialcare_webhook_delivery_latency_seconds_count", ("subscription_id", bad)),
                Is.NaN,
                "nothing was delivered"
            );
            Assert.That(
                Value(samples, "socialcare_webhook_attempt_duration_seconds_count", ("subscription_id", bad)),
                Is.EqualTo(3)
            );
            Assert.That(
                Value(samples, "socialcare_webhook_backlog_age_seconds", ("subscription_id", bad)),
                Is.GreaterThan(0)
            );
            Assert.That(
                Value(samples, "socialcare_webhook_backlog_age_seconds", ("subscription_id", good)),
                Is.EqualTo(0)
            );
            Assert.That(
                Value(samples, "socialcare_webhook_endpoint_failing_seconds", ("subscription_id", good)),
                Is.EqualTo(0)
            );
            Assert.That(
                Value(samples, "socialcare_webhook_subscription_disabled", ("subscription_id", good)),
                Is.EqualTo(0)
            );
            Assert.That(
                Value(
                    samples,
                    "socialcare_engagements_ingested_total",
                    ("channel", "whatsapp"),
                    ("outcome", "accepted")
                ),
                Is.EqualTo(3)
            );
            Assert.That(
                Value(
                    samples,
                    "socialcare_engagements_ingested_total",
                    ("channel", "whatsapp"),
                    ("outcome", "duplicate")
                ),
                Is.EqualTo(1)
            );
            Assert.That(
                Value(samples, "socialcare_engagements_accept_duration_seconds_count", ("channel", "whatsapp")),
                Is.EqualTo(4)
            );
            // customer.created, conversation.opened, engagement.received each; the workspace's own events besides.
            Assert.That(Value(samples, "socialcare_events_appended_total"), Is.GreaterThanOrEqualTo(9));
            Assert.That(
                Value(samples, "socialcare_relay_published_total"),
                Is.EqualTo(Value(samples, "socialcare_events_head"))
                    .Within(Value(samples, "socialcare_relay_lag_events"))
            );
            Assert.That(Value(samples, "socialcare_relay_leader"), Is.EqualTo(1), "the only instance leads");
            Assert.That(Value(samples, "socialcare_sla_timers_due"), Is.EqualTo(0));
            Assert.That(Value(samples, "socialcare_sla_timers_late"), Is.EqualTo(0));
            Assert.That(Value(samples, "socialcare_dead_letters"), Is.NaN, "none");
            Assert.That(Value(samples, "dotnet_process_memory_working_set_bytes"), Is.GreaterThan(10_000_000));
            Assert.That(Value(samples, "dotnet_gc_last_collection_heap_size_bytes"), Is.GreaterThan(0));
            Assert.That(
                Value(
                    samples,
                    "http_server_request_duration_seconds_count",
                    ("http_route", "/v1/engagements"),
                    ("http_response_status_code", 202)
                ),
                Is.EqualTo(3)
            );
        });
    }

    [Test]
    public async Task Events_the_broker_has_not_confirmed_show_as_lag_and_degrade_readiness()
    {
        using var admin = _lagging.Client(HubFactory.AdminKey);
        var (_, key) = await admin.CreateTenantKeyAsync("relay lag");
        using var client = _lagging.Client(key);
        var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
        var before = Value(await ScrapeAsync(_lagging), "socialcare_events_head");
        await client.IngestAsync(HubApi.Engagement(channel, "lag-1", "971500000201"));

        var ready = await Eventually.Until(
            async () =>
            {
                var response = await admin.GetAsync("/health/ready");
                return (response.StatusCode, Body: await HubApi.ReadJson(response, response.StatusCode));
            },
            r => r.Body["checks"]!["relay"]!["status"]!.GetValue<string>() == "Degraded",
            what: "the relay to be reported Degraded"
        );
        var samples = await Eventually.Until(
            () => ScrapeAsync(_lagging),
            s => Value(s, "socialcare_relay_lag_seconds") > 0.5,
            what: "a sample of the lag past half a second"
        );
        Assert.Multiple(() =>
        {
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK), "Degraded is still ready");
            Assert.That(ready.Body["status"]!.GetValue<string>(), Is.EqualTo("Degraded"));
            Assert.That(
                ready.Body["checks"]!["relay"]!["description"]!.GetValue<string>(),
                Does.Contain("events wait for the broker")
            );
            Assert.That(Value(samples, "socialcare_events_head"), Is.EqualTo(before + 3));
            Assert.That(
                Value(samples, "socialcare_relay_lag_events"),
                Is.EqualTo(Value(samples, "socialcare_events_head"))
            );
            Assert.That(Value(samples, "socialcare_relay_leader"), Is.EqualTo(0), "the relay is off");
        });
    }

    [Test]
    public async Task Every_log_line_is_one_json_object_with_the_trace_and_workspace_and_no_text_or_secret()
    {
        using var admin = _hub.Client(HubFactory.AdminKey);
        var (workspaceId, key) = await admin.CreateTenantKeyAsync("json logs");
        using var client = _hub.Client(key);
        var channel = await client.CreateChannelAsync("whatsapp", "Namshi");
        const string Marker = "secret-order-7731 رقم الطلب 🧾";
        var trace = System.Diagnostics.ActivityTraceId.CreateRandom().ToString();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/engagements")
        {
            Content = JsonContent.Create(HubApi.Engagement(channel, "log-1", "971500000301", Marker)),
        };
        request.Headers.Add("traceparent", $"00-{trace}-{System.Diagnostics.ActivitySpanId.CreateRandom()}-01");
        await HubApi.ReadJson(await client.SendAsync(request), HttpStatusCode.Accepted);
        // A request the exception handler answers (malformed JSON): its line has the status it was answered with.
        var refusedTrace = System.Diagnostics.ActivityTraceId.CreateRandom().ToString();
        using var refused = new HttpRequestMessage(HttpMethod.Post, "/v1/engagements")
        {
            Content = new StringContent("{\"channelId\": ", System.Text.Encoding.UTF8, "application/json"),
        };
        refused.Headers.Add("traceparent", $"00-{refusedTrace}-{System.Diagnostics.ActivitySpanId.CreateRandom()}-01");
        await HubApi.ReadProblem(await client.SendAsync(refused), HttpStatusCode.BadRequest, "malformed-json");

        var lines = await Eventually.Until(
            () => Task.FromResult(_hub.Output.ToList()),
            o =>
                o.Any(l => l.Contains(trace, StringComparison.Ordinal))
                && o.Any(l =>
                    l.Contains(refusedTrace, StringComparison.Ordinal)
                    && l.Contains("answered", StringComparison.Ordinal)
                ),
            what: "the two requests' access lines"
        );
        var refusedAccess = lines
            .Select(l => JsonNode.Parse(l)!)
            .Single(l =>
                Scope(l, "TraceId") == refusedTrace && l["Category"]!.GetValue<string>() == "SocialCare.Api.Access"
            );
        // The trace and span ids and the workspace are scopes of the line, as .NET's JSON console formatter writes them.
        var access = lines
            .Select(l => JsonNode.Parse(l)!)
            .Single(l => Scope(l, "TraceId") == trace && l["Category"]!.GetValue<string>() == "SocialCare.Api.Access");
        Assert.Multiple(() =>
        {
            Assert.That(lines, Is.Not.Empty);
            Assert.That(lines.Where(l => !IsJsonObject(l)), Is.Empty, "every line is one JSON object");
            Assert.That(access["Message"]!.GetValue<string>(), Does.StartWith("POST /v1/engagements answered 202 in "));
            Assert.That(access["LogLevel"]!.GetValue<string>(), Is.EqualTo("Information"));
            Assert.That(Scope(access, "SpanId"), Has.Length.EqualTo(16));
            Assert.That(Scope(access, "WorkspaceId"), Is.EqualTo(workspaceId.ToString()));
            Assert.That(
                refusedAccess["Message"]!.GetValue<string>(),
                Does.StartWith("POST /v1/engagements answered 400 in ")
            );
            Assert.That(Scope(refusedAccess, "WorkspaceId"), Is.EqualTo(workspaceId.ToString()));
            Assert.That(lines.Where(l => l.Contains("secret-order-7731", StringComparison.Ordinal)), Is.Empty);
            Assert.That(lines.Where(l => l.Contains(key, StringComparison.Ordinal)), Is.Empty, "the API key");
            Assert.That(lines.Where(l => l.Contains(HubFactory.AdminKey, StringComparison.Ordinal)), Is.Empty);
        });
    }

    private static string? Scope(JsonNode line, string name) =>
        line["Scopes"]?.AsArray().Select(s => s?[name]?.GetValue<string>()).FirstOrDefault(v => v is not null);

    private static bool IsJsonObject(string line)
    {
        try
        {
            return JsonNode.Parse(line) is JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}
