using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Billing.Webhooks;
using Crm.Consumer;
using Marketing.Listener;
using Partner.Channel;
using SocialCare.FakePlatform;

namespace ChannelSimulator;

/// <summary>Where the demo's hub and servers are. <see cref="HubHandler"/> reaches an in-process hub (tests); null
/// means over HTTP.</summary>
public sealed record DemoSettings(
    Uri HubUrl,
    string AdminKey,
    string RabbitHost,
    int RabbitPort,
    string CrmDatabase,
    Func<HttpMessageHandler>? HubHandler = null,
    string RabbitVirtualHost = "/"
);

/// <summary>The conversation at the end of the story, and its timeline (every event with who caused it).</summary>
public sealed record DemoOutcome(Guid ConversationId, JsonNode Conversation, IReadOnlyList<JsonNode> Timeline)
{
    /// <summary>The apps (API key names) that acted on the conversation, with the event types each caused.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ActionsByApp =>
        Timeline
            .Where(e => e["actor"]?["kind"]?.GetValue<string>() == "app")
            .GroupBy(e => e["actor"]!["name"]!.GetValue<string>())
            .ToDictionary(
                g => g.Key,
                g => (IReadOnlyList<string>)g.Select(e => e["type"]!.GetValue<string>()).Distinct().ToList()
            );
}

/// <summary>
/// One customer's story across channels and departments, driven through a running hub: Omar complains publicly on X,
/// care answers publicly and moves him to WhatsApp (a template: the 24-hour window is closed), he mentions an invoice,
/// the CRM and billing apps add what they know, he continues in the brand's app chat (a partner's channel), care
/// resolves, marketing queues a survey. Each step prints what happened and what each department saw and did.
/// </summary>
public sealed partial class DemoStory(DemoSettings settings, Action<string> say)
{
    private const string PhoneNumberId = "106540352242922";
    private const string OmarPhone = "971501234567";
    private const string OmarX = "2244994945";
    private const string OmarApp = "omar-app-77";
    private const string MetaSecret = "demo-meta-app-secret";
    private const string XSecret = "demo-x-consumer-secret";
    private const string XUserId = "1184283912";

    /// <summary>Arabic and emoji as themselves in the terminal, not as \u escapes.</summary>
    private static readonly JsonSerializerOptions Readable = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public async Task<DemoOutcome> RunAsync(CancellationToken ct)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        Step(0, "Setting up: a workspace for Namshi's care team, a key per department app, the brand's channels");
        using var admin = new HubApi(settings.HubUrl, settings.AdminKey, settings.HubHandler);
        var workspace = (await admin.PostAsync("/v1/workspaces", new { name = $"Namshi (demo {run})" }, ct))[
            "id"
        ]!.GetValue<Guid>();
        async Task<HubApi> KeyAsync(string name, params string[] scopes) =>
            new(
                settings.HubUrl,
                (await admin.PostAsync($"/v1/workspaces/{workspace}/api-keys", new { name, scopes }, ct))[
                    "key"
                ]!.GetValue<string>(),
                settings.HubHandler
            );
        using var care = await KeyAsync(
            "care-app",
            "engagements:write",
            "conversations:read",
            "conversations:write",
            "customers:read",
            "customers:write",
            "channels:manage",
            "subscriptions:manage",
            "events:read"
        );
        using var crmKey = await KeyAsync("crm-app", "conversations:read", "conversations:write");
        using var billingKey = await KeyAsync("billing-app", "conversations:read", "conversations:write");
        using var marketingKey = await KeyAsync("marketing-app", "conversations:write");
        using var partnerKey = await KeyAsync("partner-appchat", "engagements:write", "replies:report");

        await using var platform = await FakePlatform.StartAsync();
        var xBearer = $"x-bearer-{run}";
        platform.AddWhatsAppNumber(PhoneNumberId, "EAAG-demo-token");
        platform.AddXAccount(XUserId, xBearer);
        var whatsapp = await ChannelAsync(
            care,
            "whatsapp",
            "Namshi KSA WhatsApp",
            new
            {
                phoneNumberId = PhoneNumberId,
                accessToken = "EAAG-demo-token",
                appSecret = MetaSecret,
                verifyToken = "demo-verify",
                graphApiBaseUrl = platform.GraphBaseUrl,
            },
            ct
        );
        var x = await ChannelAsync(
            care,
            "x",
            "@Namshi",
            new
            {
                userId = XUserId,
                consumerSecret = XSecret,
                bearerToken = xBearer,
                apiBaseUrl = platform.XBaseUrl,
            },
            ct
        );
        var appChat = await ChannelAsync(care, "app-chat", "Namshi app chat", new { }, ct);
        using var platformToHub = new HttpClient(care.NewHandler()) { BaseAddress = settings.HubUrl };
        platform.ReportStatusesTo(PhoneNumberId, platformToHub, whatsapp, MetaSecret);
        say(
            $"    fake WhatsApp and X APIs at {platform.BaseUrl}; channels: whatsapp {whatsapp}, x {x}, "
                + $"app-chat {appChat}"
        );

        using var crm = CrmHost.Build(
            [],
            b =>
            {
                Settings(
                    b.Configuration,
                    new()
                    {
                        ["Crm:HubUrl"] = settings.HubUrl.ToString(),
                        ["Crm:ApiKey"] = crmKey.Key,
                        ["Crm:RabbitHost"] = settings.RabbitHost,
                        ["Crm:RabbitPort"] = settings.RabbitPort.ToString(
                            System.Globalization.CultureInfo.InvariantCulture
                        ),
                        ["Crm:RabbitVirtualHost"] = settings.RabbitVirtualHost,
                        ["Crm:Queue"] = $"crm.social-events.demo-{run}",
                        ["Crm:TemporaryQueue"] = "true",
                        ["Crm:Database"] = settings.CrmDatabase,
                    }
                );
                Quiet(b.Logging);
                if (settings.HubHandler is { } handler)
                {
                    b.Services.AddHttpClient<Crm.Consumer.HubClient>().ConfigurePrimaryHttpMessageHandler(handler);
                }
            }
        );
        await crm.StartAsync(ct);
        say("    CRM worker consuming from RabbitMQ (MassTransit, the hub's contracts), its own PostgreSQL database");

        var billingPort = FreePort();
        var subscription = await care.PostAsync(
            "/v1/subscriptions",
            new
            {
                url = $"http://127.0.0.1:{billingPort}/webhooks/socialcare",
                eventTypes = new[] { "engagement.received" },
                description = "billing invoice linker",
            },
            ct
        );
        await using var billing = BillingApp.Build(
            [],
            b =>
            {
                b.WebHost.UseUrls($"http://127.0.0.1:{billingPort}");
                Settings(
                    b.Configuration,
                    new()
                    {
                        ["Billing:HubUrl"] = settings.HubUrl.ToString(),
                        ["Billing:ApiKey"] = billingKey.Key,
                        ["Billing:WebhookSecret"] = subscription["secret"]!.GetValue<string>(),
                    }
                );
                Quiet(b.Logging);
                if (settings.HubHandler is { } handler)
                {
                    b.Services.AddHttpClient(BillingApp.HubClientName).ConfigurePrimaryHttpMessageHandler(handler);
                }
            }
        );
        await billing.StartAsync(ct);
        say(
            $"    billing webhook receiver at http://127.0.0.1:{billingPort}, subscribed to engagement.received "
                + "(Standard Webhooks)"
        );

        var partnerPort = FreePort();
        await using var partner = PartnerApp.Build(
            [],
            b =>
            {
                b.WebHost.UseUrls($"http://127.0.0.1:{partnerPort}");
                Settings(
                    b.Configuration,
                    new()
                    {
                        ["Partner:HubUrl"] = settings.HubUrl.ToString(),
                        ["Partner:ApiKey"] = partnerKey.Key,
                        ["Partner:ChannelId"] = appChat.ToString(),
                        ["Partner:RabbitHost"] = settings.RabbitHost,
                        ["Partner:RabbitPort"] = settings.RabbitPort.ToString(
                            System.Globalization.CultureInfo.InvariantCulture
                        ),
                        ["Partner:RabbitVirtualHost"] = settings.RabbitVirtualHost,
                        ["Partner:Queue"] = $"partner-appchat.replies.demo-{run}",
                        ["Partner:TemporaryQueue"] = "true",
                    }
                );
                Quiet(b.Logging);
                if (settings.HubHandler is { } handler)
                {
                    b.Services.AddHttpClient(PartnerApp.HubClientName).ConfigurePrimaryHttpMessageHandler(handler);
                }
            }
        );
        await partner.StartAsync(ct);
        say($"    partner app-chat connector at http://127.0.0.1:{partnerPort}, consuming reply.requested");

        using var stopMarketing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var marketingHttp = new HttpClient(marketingKey.NewHandler()) { BaseAddress = settings.HubUrl };
        marketingHttp.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Bearer",
            marketingKey.Key
        );
        var marketing = new ResolutionListener(
            new ListenerOptions
            {
                RabbitHost = settings.RabbitHost,
                RabbitPort = settings.RabbitPort,
                VirtualHost = settings.RabbitVirtualHost,
                Queue = $"marketing.resolutions.demo-{run}",
                TemporaryQueue = true,
            },
            marketingHttp,
            line => say("    " + line)
        );
        var listening = marketing.RunAsync(stopMarketing.Token);
        await marketing.Ready.WaitAsync(TimeSpan.FromSeconds(30), ct);
        say(
            "    marketing listener on its own queue bound to socialcare.conversation.resolved (plain RabbitMQ.Client)"
        );

        try
        {
            return await TellAsync(care, platform, whatsapp, x, appChat, partnerPort, ct);
        }
        finally
        {
            await stopMarketing.CancelAsync();
            await listening;
            await crm.StopAsync(CancellationToken.None);
        }
    }

    private async Task<DemoOutcome> TellAsync(
        HubApi care,
        FakePlatform platform,
        Guid whatsapp,
        Guid x,
        Guid appChat,
        int partnerPort,
        CancellationToken ct
    )
    {
        Step(1, "Omar complains publicly on X");
        var tweetId = $"18{Random.Shared.NextInt64(10_000_000_000_000_000, 99_999_999_999_999_999)}";
        var mention = PlatformPayloads.XMention(
            XUserId,
            tweetId,
            OmarX,
            "Omar Haddad",
            "omar_h",
            "@Namshi my order NAM-4417 still hasn't arrived, two weeks now 😡",
            DateTimeOffset.UtcNow
        );
        var receipt = await care.PushAsync(
            $"/v1/hooks/x/{x}",
            mention,
            "x-twitter-webhooks-signature",
            PlatformWebhooks.XSignature(XSecret, Encoding.UTF8.GetBytes(mention)),
            ct
        );
        say($"    X → POST /v1/hooks/x/… (signed) → 200 {receipt.ToJsonString()}");
        var conversation = (
            await care.WaitAsync(
                $"/v1/conversations?channel={x}",
                p => p["items"]!.AsArray().Count == 1,
                "the conversation",
                ct
            )
        )["items"]![0]!;
        var conversationId = conversation["id"]!.GetValue<Guid>();
        var path = $"/v1/conversations/{conversationId}";
        var customerId = (await care.GetAsync(path, ct))["customer"]!["id"]!.GetValue<Guid>();
        say($"    conversation {conversationId} opened for customer {customerId}");
        await care.WaitAsync(path, c => c["context"]?["crm-app"]?["segment"] is not null, "the CRM's context", ct);

        Step(2, "Care answers publicly, and moves Omar to WhatsApp");
        var publicReply = await ReplyAsync(
            care,
            path,
            new { text = "So sorry, Omar! We've sent you a WhatsApp message to sort this out.", visibility = "public" },
            ct
        );
        await ReplyStatusAsync(care, path, publicReply, "sent", ct);
        say(
            $"    X got POST /2/tweets in reply to {tweetId}: "
                + Emoji(platform.Requests.Last(r => r.Platform == "x").Body?.ToJsonString(Readable) ?? string.Empty)
        );
        await care.PostAsync(
            $"/v1/customers/{customerId}/identities",
            new
            {
                channelType = "whatsapp",
                platformUserId = OmarPhone,
                displayName = "Omar Haddad",
            },
            ct
        );
        say($"    care linked Omar's WhatsApp number {OmarPhone} to the customer");
        var refused = await care.TryPostAsync(
            $"{path}/replies",
            new { text = "Hi Omar, Namshi care here.", channelId = whatsapp },
            ct
        );
        say(
            $"    a free-form WhatsApp message is refused: {refused.Status} {refused.Body["code"]} "
                + "— Omar has not written on WhatsApp in 24 h"
        );
        var template = await ReplyAsync(
            care,
            path,
            new
            {
                channelId = whatsapp,
                template = new
                {
                    name = "order_followup",
                    language = "en",
                    parameters = new[] { "Omar", "NAM-4417" },
                },
            },
            ct
        );
        await ReplyStatusAsync(care, path, template, "read", ct);
        say("    the approved template went out; WhatsApp reported sent → delivered → read");

        Step(3, "Omar answers on WhatsApp and mentions an invoice");
        var wamid = $"wamid.demo.{Guid.NewGuid():N}";
        var message = PlatformPayloads.WhatsAppText(
            PhoneNumberId,
            OmarPhone,
            "Omar Haddad",
            wamid,
            "Thanks! I was also charged twice for it — invoice INV-20417 🙏",
            DateTimeOffset.UtcNow
        );
        receipt = await care.PushAsync(
            $"/v1/hooks/whatsapp/{whatsapp}",
            message,
            "X-Hub-Signature-256",
            PlatformWebhooks.MetaSignature(MetaSecret, Encoding.UTF8.GetBytes(message)),
            ct
        );
        say($"    WhatsApp → POST /v1/hooks/whatsapp/… (signed) → 200 {receipt.ToJsonString()}");
        await care.WaitAsync(
            path,
            c => c["links"]!.AsArray().Any(l => l!["recordId"]?.GetValue<string>() == "INV-20417"),
            "billing's link",
            ct
        );

        Step(4, "Care confirms the refund on WhatsApp, inside the window now");
        var refund = await ReplyAsync(
            care,
            path,
            new
            {
                text = "Refund for INV-20417 approved 💸 — 1,899 AED back on your card in 3–5 days.",
                channelId = whatsapp,
            },
            ct
        );
        await ReplyStatusAsync(care, path, refund, "read", ct);
        say("    sent, delivered and read on WhatsApp");

        Step(5, "Omar continues in the Namshi app (a partner's channel)");
        await care.PostAsync(
            $"/v1/customers/{customerId}/identities",
            new
            {
                channelType = "app-chat",
                platformUserId = OmarApp,
                displayName = "Omar Haddad",
            },
            ct
        );
        using (var app = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{partnerPort}") })
        {
            using var posted = await app.PostAsJsonAsync(
                "/app-chat/messages",
                new
                {
                    userId = OmarApp,
                    name = "Omar Haddad",
                    messageId = $"chat-{Guid.NewGuid():N}",
                    text = "Got the refund notice in the app, thank you!",
                },
                ct
            );
            say($"    the app's backend → partner connector → POST /v1/engagements → {(int)posted.StatusCode}");
        }

        var thanks = await ReplyAsync(
            care,
            path,
            new { text = "Glad we could help, Omar! 🌟", channelId = appChat },
            ct
        );
        await ReplyStatusAsync(care, path, thanks, "delivered", ct);

        Step(6, "Care resolves; marketing hears of it");
        await care.PostAsync($"{path}/resolve", new { reason = "refunded" }, ct);
        var final = await care.WaitAsync(
            path,
            c => c["tags"]!.AsArray().Any(t => t!.GetValue<string>() == "survey-queued"),
            "marketing's tag",
            ct
        );

        var timeline = (await care.GetAsync($"{path}/timeline?limit=200", ct))["items"]!
            .AsArray()
            .Select(e => e!)
            .ToList();
        var outcome = new DemoOutcome(conversationId, final, timeline);
        Step(7, "What each department did, from the conversation's timeline");
        foreach (var (app, types) in outcome.ActionsByApp.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            say($"    {app, -16} {string.Join(", ", types)}");
        }

        say(string.Empty);
        say($"GET /v1/conversations/{conversationId}");
        say(Emoji(final.ToJsonString(new JsonSerializerOptions(Readable) { WriteIndented = true })));
        return outcome;
    }

    private static async Task<Guid> ChannelAsync(
        HubApi care,
        string type,
        string name,
        object settings,
        CancellationToken ct
    ) =>
        (
            await care.PostAsync(
                "/v1/channels",
                new
                {
                    type,
                    name,
                    brand = "Namshi",
                    settings,
                },
                ct
            )
        )["id"]!.GetValue<Guid>();

    private async Task<Guid> ReplyAsync(HubApi care, string path, object body, CancellationToken ct)
    {
        var id = (await care.PostAsync($"{path}/replies", body, ct))["replyId"]!.GetValue<Guid>();
        say($"    care → POST {path}/replies {Emoji(JsonSerializer.Serialize(body, Readable))} → 202");
        return id;
    }

    private static Task<JsonNode> ReplyStatusAsync(
        HubApi care,
        string path,
        Guid replyId,
        string status,
        CancellationToken ct
    ) =>
        care.WaitAsync(
            path,
            c =>
                c["latestReplies"]!
                    .AsArray()
                    .Any(r => r!["id"]!.GetValue<Guid>() == replyId && r["status"]!.GetValue<string>() == status),
            $"reply {replyId} to be {status}",
            ct
        );

    private void Step(int number, string title)
    {
        say(string.Empty);
        say($"── {number}. {title}");
    }

    private static void Settings(IConfigurationBuilder configuration, Dictionary<string, string?> values) =>
        configuration.AddInMemoryCollection(values);

    private void Quiet(Microsoft.Extensions.Logging.ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddProvider(new Narration(say));
    }

    /// <summary>System.Text.Json writes characters beyond the BMP (emoji) as escaped surrogate pairs even when relaxed;
    /// show them.</summary>
    private static string Emoji(string json) =>
        SurrogatePair()
            .Replace(
                json,
                m =>
                    char.ConvertFromUtf32(
                        char.ConvertToUtf32(
                            (char)Convert.ToInt32(m.Groups[1].Value, 16),
                            (char)Convert.ToInt32(m.Groups[2].Value, 16)
                        )
                    )
            );

    [System.Text.RegularExpressions.GeneratedRegex(
        @"\\u(D[89AB][0-9A-F]{2})\\u(D[C-F][0-9A-F]{2})",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase
    )]
    private static partial System.Text.RegularExpressions.Regex SurrogatePair();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
