using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SocialCare.Api.Tests.Channels;
using SocialCare.Api.Tests.Support;
using SocialCare.FakePlatform;

namespace SocialCare.Api.Tests.Infrastructure.Telemetry;

/// <summary>
/// One trace from a platform's hook request to each webhook attempt and each platform send (issue 21, point 1): the
/// W3C trace context travels in the event's metadata, on the RabbitMQ message and in the webhook delivery, and the spans
/// an exporter would receive share the caller's trace id.
/// </summary>
public sealed class Tracing : ConnectorFixture
{
    private const string PhoneNumberId = "106540352242922";

    protected override IReadOnlyDictionary<string, string?>? Settings =>
        new Dictionary<string, string?>(base.Settings!)
        {
            ["Webhooks:AllowPrivateTargets"] = "true",
            ["Webhooks:RetrySchedule:0"] = "00:00:00.200",
            ["Webhooks:RetrySchedule:1"] = "00:00:00.200",
        };

    private static (ActivityTraceId Trace, ActivitySpanId Span, string Header) CallerContext()
    {
        var trace = ActivityTraceId.CreateRandom();
        var span = ActivitySpanId.CreateRandom();
        return (trace, span, $"00-{trace}-{span}-01");
    }

    private static string TraceIdOf(string? traceParent) => traceParent?.Split('-') is [_, var id, _, _] ? id : "";

    private static string SpanIdOf(string? traceParent) => traceParent?.Split('-') is [_, _, var id, _] ? id : "";

    private async Task<(Guid WorkspaceId, HttpClient Client, Guid ChannelId)> ArrangeAsync(string name)
    {
        var (workspaceId, client) = await Hub.CreateTenantAsync(name);
        Platform.AddWhatsAppNumber(PhoneNumberId, AccessToken);
        var channelId = await client.CreateChannelAsync(
            "whatsapp",
            "Namshi",
            new
            {
                phoneNumberId = PhoneNumberId,
                accessToken = AccessToken,
                appSecret = AppSecret,
                verifyToken = VerifyToken,
                graphApiBaseUrl = Platform.GraphBaseUrl,
            }
        );
        return (workspaceId, client, channelId);
    }

    private static async Task SubscribeAsync(HttpClient client, WebhookReceiver receiver) =>
        await HubApi.ReadJson(
            await client.PostAsJsonAsync(
                "/v1/subscriptions",
                new { url = receiver.Url(), eventTypes = new[] { "engagement.received" } }
            ),
            HttpStatusCode.Created
        );

    [Test]
    public async Task A_hook_request_its_relay_publish_and_its_webhook_attempt_share_one_trace()
    {
        var (workspaceId, client, channelId) = await ArrangeAsync("tracing hook");
        using var _ = client;
        await using var receiver = await WebhookReceiver.StartAsync();
        await SubscribeAsync(client, receiver);
        await using var bus = await RabbitTap.BindTopicAsync($"{workspaceId}.*.engagement.received");
        using var spans = new SpanCollector();
        var (trace, callerSpan, header) = CallerContext();

        using var platform = PlatformClient();
        platform.DefaultRequestHeaders.Add("traceparent", header);
        await ReceiptAsync(
            await PlatformWebhooks.PushMetaAsync(
                platform,
                "whatsapp",
                channelId,
                AppSecret,
                Fixture("whatsapp-text.json", ("wamid", $"wamid.{Guid.NewGuid():N}"))
            )
        );

        var delivery = (await receiver.WaitForAsync(_ => true, 1)).Single();
        var envelope = JsonNode.Parse(delivery.Body)!;
        var published = (await bus.WaitForAsync(workspaceId, 1)).Count;
        var message = bus.Deliveries.Single().Properties.Headers!;
        string Header(string name) => System.Text.Encoding.UTF8.GetString((byte[])message[name]!);
        var traceSpans = await Eventually.Until(
            () => Task.FromResult(spans.Of(trace)),
            s => s.Any(a => a.OperationName == "webhook attempt"),
            what: "the webhook attempt's span"
        );

        Assert.Multiple(() =>
        {
            Assert.That(published, Is.EqualTo(1));
            Assert.That(TraceIdOf(envelope["traceparent"]?.GetValue<string>()), Is.EqualTo(trace.ToString()));
            Assert.That(TraceIdOf(delivery.Headers["traceparent"]), Is.EqualTo(trace.ToString()));
            Assert.That(
                SpanIdOf(delivery.Headers["traceparent"]),
                Is.Not.EqualTo(SpanIdOf(envelope["traceparent"]!.GetValue<string>())),
                "the request carries the attempt's own span"
            );
            Assert.That(TraceIdOf(Header("cloudEvents_traceparent")), Is.EqualTo(trace.ToString()));
            Assert.That(TraceIdOf(Header("MT-Activity-Id")), Is.EqualTo(trace.ToString()), "MassTransit's span");

            var hook = traceSpans.SingleOrDefault(s => s.ParentSpanId == callerSpan);
            Assert.That(hook?.Source.Name, Is.EqualTo("Microsoft.AspNetCore"), "the hook request's span");
            Assert.That(
                traceSpans.Select(s => s.OperationName),
                Is.SupersetOf(new[] { "relay engagement.received", "webhook attempt" })
            );
            Assert.That(
                traceSpans
                    .Where(s => s.OperationName.StartsWith("relay ", StringComparison.Ordinal))
                    .Select(s => s.ParentSpanId),
                Is.All.EqualTo(hook?.SpanId),
                "each event's relay span is a child of the hook request that appended it"
            );
            Assert.That(
                traceSpans.Count(s => s.Source.Name == "MassTransit"),
                Is.GreaterThanOrEqualTo(2),
                "the publish and the fan-out's consume"
            );
            var attempt = traceSpans.Single(s => s.OperationName == "webhook attempt");
            Assert.That(attempt.GetTagItem("socialcare.delivery.outcome"), Is.EqualTo("delivered"));
            Assert.That(attempt.SpanId.ToString(), Is.EqualTo(SpanIdOf(delivery.Headers["traceparent"])));
        });
    }

    [Test]
    public async Task A_retry_leased_later_continues_the_trace_the_event_was_appended_in()
    {
        var (_, client, channelId) = await ArrangeAsync("tracing retry");
        using var _ = client;
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, seen) => seen == 0 ? 500 : 200;
        await SubscribeAsync(client, receiver);
        var (trace, _, header) = CallerContext();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/engagements")
        {
            Content = JsonContent.Create(HubApi.Engagement(channelId, $"wamid.{Guid.NewGuid():N}", "971500000042")),
        };
        request.Headers.Add("traceparent", header);
        await HubApi.ReadJson(await client.SendAsync(request), HttpStatusCode.Accepted);

        var attempts = await receiver.WaitForAsync(_ => true, 2);
        Assert.Multiple(() =>
        {
            Assert.That(attempts.Select(a => a.AnsweredWith), Is.EqualTo(new[] { 500, 200 }));
            Assert.That(attempts.Select(a => TraceIdOf(a.Headers["traceparent"])), Is.All.EqualTo(trace.ToString()));
            Assert.That(attempts.Select(a => SpanIdOf(a.Headers["traceparent"])).Distinct().Count(), Is.EqualTo(2));
            Assert.That(
                attempts.Select(a => JsonNode.Parse(a.Body)!["traceparent"]!.GetValue<string>()).Distinct().Count(),
                Is.EqualTo(1),
                "the envelope is the event's, the same on every attempt"
            );
        });
    }

    [Test]
    public async Task A_reply_is_sent_to_the_platform_in_the_trace_of_the_request_that_asked_for_it()
    {
        var (_, client, channelId) = await ArrangeAsync("tracing reply");
        using var _ = client;
        var ingested = await client.IngestAsync(
            HubApi.Engagement(channelId, $"wamid.{Guid.NewGuid():N}", "971500000043")
        );
        var conversationId = ingested["conversationId"]!.GetValue<Guid>();
        var (trace, _, header) = CallerContext();

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversationId}/replies")
        {
            Content = JsonContent.Create(new { text = "On its way 🚚 في الطريق" }),
        };
        request.Headers.Add("traceparent", header);
        var replyId = (await HubApi.ReadJson(await client.SendAsync(request), HttpStatusCode.Accepted))[
            "replyId"
        ]!.GetValue<Guid>();
        await ReplyWhenAsync(client, conversationId, replyId, "sent");

        var sends = Platform.Requests.Where(r => TraceIdOf(r.TraceParent) == trace.ToString()).ToList();
        Assert.That(sends, Has.Count.EqualTo(1), "the platform's send request continues the reply's trace");
        Assert.That(sends[0].Body!["text"]!["body"]!.GetValue<string>(), Is.EqualTo("On its way 🚚 في الطريق"));
    }
}
