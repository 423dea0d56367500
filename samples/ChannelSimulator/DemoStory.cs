using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Billing.Webhooks;
using Crm.Consumer;
using Marketing.Listener;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Serialization;
using Partner.Channel;
using SocialCare.Client;
using SocialCare.Client.Models;
using SocialCare.Client.V1.Conversations.Item;
using SocialCare.FakePlatform;
using JsonNode = System.Text.Json.Nodes.JsonNode;

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
public sealed record DemoOutcome(
    Guid ConversationId,
    ConversationView Conversation,
    IReadOnlyList<TimelineEntry> Timeline
)
{
    /// <summary>The apps (API key names) that acted on the conversation, with the event types each caused.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ActionsByApp =>
        Timeline
            .Where(e => e.Actor?.Kind == EventActor_kind.App)
            .GroupBy(e => e.Actor!.Name!)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(e => e.Type!).Distinct().ToList());

    /// <summary>The triage rules that acted on the conversation, with the event types each caused.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ActionsByRule =>
        Timeline
            .Where(e => e.Actor?.Kind == EventActor_kind.Rule)
            .GroupBy(e => e.Actor!.Name!)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(e => e.Type!).Distinct().ToList());
}

/// <summary>
/// One customer's story across channels and departments, driven through a running hub: Omar, a gold customer, complains
/// publicly on X out of hours; rules answer him at once and make it urgent on the Gold SLA, which breaches, and the CRM
/// escalates; care answers publicly and moves him to WhatsApp (a template: the 24-hour window is closed), he mentions an invoice,
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
        var workspace = (
            await admin.V1.Workspaces.PostAsync(
                new CreateWorkspaceRequest { Name = $"Namshi (demo {run})" },
                cancellationToken: ct
            )
        )!
            .Id!
            .Value;
        async Task<HubApi> KeyAsync(string name, params CreateApiKeyRequest_scopes[] scopes) =>
            new(
                settings.HubUrl,
                (
                    await admin
                        .V1.Workspaces[workspace]
                        .ApiKeys.PostAsync(
                            new CreateApiKeyRequest
                            {
                                Name = name,
                                Scopes = [.. scopes.Select(s => (CreateApiKeyRequest_scopes?)s)],
                            },
                            cancellationToken: ct
                        )
                )!.Key!,
                settings.HubHandler
            );
        using var care = await KeyAsync(
            "care-app",
            CreateApiKeyRequest_scopes.EngagementsWrite,
            CreateApiKeyRequest_scopes.ConversationsRead,
            CreateApiKeyRequest_scopes.ConversationsWrite,
            CreateApiKeyRequest_scopes.CustomersRead,
            CreateApiKeyRequest_scopes.CustomersWrite,
            CreateApiKeyRequest_scopes.ChannelsManage,
            CreateApiKeyRequest_scopes.SubscriptionsManage,
            CreateApiKeyRequest_scopes.EventsRead,
            CreateApiKeyRequest_scopes.WorkflowManage,
            CreateApiKeyRequest_scopes.ReportsRead,
            CreateApiKeyRequest_scopes.PiiRead
        );
        using var crmKey = await KeyAsync(
            "crm-app",
            CreateApiKeyRequest_scopes.ConversationsRead,
            CreateApiKeyRequest_scopes.ConversationsWrite
        );
        using var billingKey = await KeyAsync(
            "billing-app",
            CreateApiKeyRequest_scopes.ConversationsRead,
            CreateApiKeyRequest_scopes.ConversationsWrite
        );
        using var marketingKey = await KeyAsync("marketing-app", CreateApiKeyRequest_scopes.ConversationsWrite);
        using var partnerKey = await KeyAsync(
            "partner-appchat",
            CreateApiKeyRequest_scopes.EngagementsWrite,
            CreateApiKeyRequest_scopes.RepliesReport
        );

        await using var platform = await FakePlatform.StartAsync();
        var xBearer = $"x-bearer-{run}";
        platform.AddWhatsAppNumber(PhoneNumberId, "EAAG-demo-token");
        platform.AddXAccount(XUserId, xBearer);
        var whatsapp = await care.CreateChannelAsync(
            "whatsapp",
            "Namshi KSA WhatsApp",
            "Namshi",
            new()
            {
                ["phoneNumberId"] = PhoneNumberId,
                ["accessToken"] = "EAAG-demo-token",
                ["appSecret"] = MetaSecret,
                ["verifyToken"] = "demo-verify",
                ["graphApiBaseUrl"] = platform.GraphBaseUrl,
            },
            ct
        );
        var x = await care.CreateChannelAsync(
            "x",
            "@Namshi",
            "Namshi",
            new()
            {
                ["userId"] = XUserId,
                ["consumerSecret"] = XSecret,
                ["bearerToken"] = xBearer,
                ["apiBaseUrl"] = platform.XBaseUrl,
            },
            ct
        );
        var appChat = await care.CreateChannelAsync("app-chat", "Namshi app chat", "Namshi", [], ct);
        using var platformToHub = new HttpClient(care.NewHandler()) { BaseAddress = settings.HubUrl };
        platform.ReportStatusesTo(PhoneNumberId, platformToHub, whatsapp, MetaSecret);
        say(
            $"    fake WhatsApp and X APIs at {platform.BaseUrl}; channels: whatsapp {whatsapp}, x {x}, "
                + $"app-chat {appChat}"
        );

        await ConfigureCareAsync(care, ct);

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
        var subscription = await care.V1.Subscriptions.PostAsync(
            new CreateSubscriptionRequest
            {
                Url = $"http://127.0.0.1:{billingPort}/webhooks/socialcare",
                EventTypes = ["engagement.received"],
                Description = "billing invoice linker",
                // Billing reads invoice numbers in what customers write: it needs their words.
                Pii = CreateSubscriptionRequest_pii.Full,
            },
            cancellationToken: ct
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
                        ["Billing:WebhookSecret"] = subscription!.Secret,
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
        var marketing = new ResolutionListener(
            new ListenerOptions
            {
                RabbitHost = settings.RabbitHost,
                RabbitPort = settings.RabbitPort,
                VirtualHost = settings.RabbitVirtualHost,
                Queue = $"marketing.resolutions.demo-{run}",
                TemporaryQueue = true,
            },
            marketingKey.Client,
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
            "x",
            x,
            mention,
            "x-twitter-webhooks-signature",
            PlatformWebhooks.XSignature(XSecret, Encoding.UTF8.GetBytes(mention)),
            ct
        );
        say($"    X → POST /v1/hooks/x/… (signed) → 200 {await ShowAsync(receipt, indented: false, ct)}");
        var conversationId = (
            await HubApi.WaitAsync(
                () => care.V1.Conversations.GetAsync(r => r.QueryParameters.Channel = x, ct),
                p => p.Items?.Count == 1,
                "the conversation",
                ct
            )
        )
            .Items![0]
            .Id!
            .Value;
        var conversation = care.V1.Conversations[conversationId];
        var path = $"/v1/conversations/{conversationId}";
        var customerId = (await conversation.GetAsync(cancellationToken: ct))!.Customer!.Id!.Value;
        say($"    conversation {conversationId} opened for customer {customerId}");
        await WaitAsync(conversation, c => c.Context?.Get("crm-app")?["segment"] is not null, "the CRM's context", ct);

        Step(2, "Rules triage Omar out of hours: an automatic reply on X, urgent, the Gold SLA");
        var triaged = await WaitAsync(
            conversation,
            c => c.Priority?.Level == Priority_level.Urgent && c.Sla is not null,
            "the rules' triage",
            ct
        );
        var answered = await WaitAsync(
            conversation,
            c =>
                c.LatestReplies?.Any(r => r.RequestedBy == "Out of hours" && r.Status == ReplyView_status.Sent) == true,
            "the out-of-hours reply on X",
            ct
        );
        say(
            "    rule \"Out of hours\" answered at once, in public on X: "
                + Emoji(answered.LatestReplies!.First(r => r.RequestedBy == "Out of hours").Text ?? string.Empty)
        );
        say(
            $"    rule \"Gold and angry\" (on the CRM's context): priority {triaged.Priority!.Level}, tags "
                + $"{string.Join(", ", triaged.Tags ?? [])}, SLA {triaged.Sla!.PolicyName}: first response due "
                + $"{triaged.Sla.Targets![0].DueAt:HH:mm:ss} UTC (an automatic reply does not count)"
        );

        Step(3, "Nobody answers in time: the Gold SLA warns, then breaches; the CRM escalates");
        var escalated = await WaitAsync(
            conversation,
            c => c.Links?.Any(l => l.System == "crm" && l.RecordType == "escalation") == true,
            "the CRM's escalation",
            ct
        );
        var clock = escalated.Sla!.Targets![0];
        say(
            $"    sla.warning, then sla.breached at {clock.BreachedAt:HH:mm:ss} UTC; the CRM opened "
                + $"{escalated.Links!.First(l => l.System == "crm").RecordId} for Omar's account manager and linked it"
        );

        Step(4, "Care answers publicly, and moves Omar to WhatsApp");
        var publicReply = await ReplyAsync(
            conversation,
            path,
            new()
            {
                Text = "So sorry, Omar! We've sent you a WhatsApp message to sort this out.",
                Visibility = ReplyRequest_visibility.Public,
            },
            ct
        );
        await ReplyStatusAsync(conversation, publicReply, ReplyView_status.Sent, ct);
        say(
            $"    X got POST /2/tweets in reply to {tweetId}: "
                + Emoji(platform.Requests.Last(r => r.Platform == "x").Body?.ToJsonString(Readable) ?? string.Empty)
        );
        await care
            .V1.Customers[customerId]
            .Identities.PostAsync(
                new LinkIdentityRequest
                {
                    ChannelType = "whatsapp",
                    PlatformUserId = OmarPhone,
                    DisplayName = "Omar Haddad",
                },
                cancellationToken: ct
            );
        say($"    care linked Omar's WhatsApp number {OmarPhone} to the customer");
        var refused = await RefusalAsync(
            () =>
                conversation.Replies.PostAsync(
                    new ReplyRequest { Text = "Hi Omar, Namshi care here.", ChannelId = whatsapp },
                    cancellationToken: ct
                ),
            "a free-form WhatsApp message outside the 24-hour window"
        );
        say(
            $"    a free-form WhatsApp message is refused: {refused.ResponseStatusCode} {refused.CodeName()} "
                + "— Omar has not written on WhatsApp in 24 h"
        );
        var template = await ReplyAsync(
            conversation,
            path,
            new()
            {
                ChannelId = whatsapp,
                Template = new ReplyTemplateRequest
                {
                    Name = "order_followup",
                    Language = "en",
                    Parameters = ["Omar", "NAM-4417"],
                },
            },
            ct
        );
        await ReplyStatusAsync(conversation, template, ReplyView_status.Read, ct);
        say("    the approved template went out; WhatsApp reported sent → delivered → read");

        Step(5, "Omar answers on WhatsApp and mentions an invoice");
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
            "whatsapp",
            whatsapp,
            message,
            "X-Hub-Signature-256",
            PlatformWebhooks.MetaSignature(MetaSecret, Encoding.UTF8.GetBytes(message)),
            ct
        );
        say($"    WhatsApp → POST /v1/hooks/whatsapp/… (signed) → 200 {await ShowAsync(receipt, indented: false, ct)}");
        await WaitAsync(conversation, c => c.Links?.Any(l => l.RecordId == "INV-20417") == true, "billing's link", ct);

        Step(6, "Care confirms the refund on WhatsApp, inside the window now");
        var refund = await ReplyAsync(
            conversation,
            path,
            new()
            {
                Text = "Refund for INV-20417 approved 💸 — 1,899 AED back on your card in 3–5 days.",
                ChannelId = whatsapp,
            },
            ct
        );
        await ReplyStatusAsync(conversation, refund, ReplyView_status.Read, ct);
        say("    sent, delivered and read on WhatsApp");

        Step(7, "Omar continues in the Namshi app (a partner's channel)");
        await care
            .V1.Customers[customerId]
            .Identities.PostAsync(
                new LinkIdentityRequest
                {
                    ChannelType = "app-chat",
                    PlatformUserId = OmarApp,
                    DisplayName = "Omar Haddad",
                },
                cancellationToken: ct
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
            conversation,
            path,
            new() { Text = "Glad we could help, Omar! 🌟", ChannelId = appChat },
            ct
        );
        await ReplyStatusAsync(conversation, thanks, ReplyView_status.Delivered, ct);

        Step(8, "Care resolves; marketing hears of it");
        await conversation.Resolve.PostAsync(new ResolveRequest { Reason = "refunded" }, cancellationToken: ct);
        var final = await WaitAsync(
            conversation,
            c => c.Tags?.Contains("survey-queued") == true,
            "marketing's tag",
            ct
        );

        await conversation.Feedback.PostAsync(
            new FeedbackRequest
            {
                Kind = FeedbackRequest_kind.Csat,
                Score = 5,
                Comment = "Sorted in minutes, thank you",
            },
            cancellationToken: ct
        );
        say("    Omar rates the care 5/5 (CSAT) → conversation.feedback_received");

        var timeline = await conversation.Timeline.GetAsync(r => r.QueryParameters.Limit = 200, ct);
        var outcome = new DemoOutcome(conversationId, final, timeline?.Items ?? []);
        Step(9, "What each department and rule did, from the conversation's timeline");
        foreach (var (app, types) in outcome.ActionsByApp.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            say($"    {app, -16} {string.Join(", ", types)}");
        }

        foreach (var (rule, types) in outcome.ActionsByRule.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            say($"    rule \"{rule}\": {string.Join(", ", types)}");
        }

        say(string.Empty);
        say($"GET {path}");
        say(await ShowAsync(final, indented: true, ct));
        await ReportAsync(care, ct);
        return outcome;
    }

    /// <summary>
    /// Care operations for Namshi, as the workspace's admin sets them once: the brand answers Sunday to Thursday,
    /// 09:00–17:00 Riyadh time (when the demo runs inside those hours, today is made a holiday, so that the story
    /// happens out of hours); a Gold SLA (first response in 15 s: the demo's minute is short); a rule that answers a
    /// new conversation out of hours, in the customer's language; a rule that makes a gold customer's angry post urgent and applies the
    /// Gold SLA once the CRM has said who they are.
    /// </summary>
    private async Task ConfigureCareAsync(HubApi care, CancellationToken ct)
    {
        var riyadh = TimeZoneInfo.FindSystemTimeZoneById("Asia/Riyadh");
        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, riyadh);
        var open = local.DayOfWeek is not (DayOfWeek.Friday or DayOfWeek.Saturday) && local.Hour is >= 9 and < 17;
        var gold = (
            await care.V1.SlaPolicies.PostAsync(
                new SlaPolicyRequest
                {
                    Name = "Gold",
                    FirstResponse = "PT15S",
                    WarnBefore = "PT5S",
                    Resolution = "P1D",
                },
                cancellationToken: ct
            )
        )!.Id!.Value;
        var hours = new PutBrandRequest_businessHours();
        foreach (var day in new[] { "sun", "mon", "tue", "wed", "thu" })
        {
            hours.AdditionalData[day] = new UntypedArray([
                new UntypedObject(
                    new Dictionary<string, UntypedNode>
                    {
                        ["from"] = new UntypedString("09:00"),
                        ["to"] = new UntypedString("17:00"),
                    }
                ),
            ]);
        }

        await care
            .V1.Brands["Namshi"]
            .PutAsync(
                new PutBrandRequest
                {
                    DisplayName = "Namshi",
                    TimeZone = "Asia/Riyadh",
                    BusinessHours = hours,
                    Holidays = open ? [new Date(local.Year, local.Month, local.Day)] : [],
                    Languages = ["ar", "en"],
                },
                cancellationToken: ct
            );
        var texts = new RuleAction_texts();
        texts.AdditionalData["en"] =
            "Thanks for reaching out! We're closed until {nextOpening.time} Riyadh time; a specialist will pick this up then.";
        texts.AdditionalData["ar"] =
            "شكراً لتواصلك! نحن مغلقون حتى {nextOpening.time} بتوقيت الرياض، وسيتابع معك مختص حينها.";
        await care.V1.Rules.PostAsync(
            new RuleRequest
            {
                Name = "Out of hours",
                Order = 10,
                Trigger = RuleRequest_trigger.ConversationOpened,
                Conditions = new RuleConditionsRequest
                {
                    All = [Condition("withinBusinessHours", RuleCondition_op.Eq, new UntypedBoolean(false))],
                },
                Actions =
                [
                    new RuleAction
                    {
                        Type = RuleAction_type.Reply,
                        Texts = texts,
                        Fallback = "en",
                    },
                ],
            },
            cancellationToken: ct
        );
        await care.V1.Rules.PostAsync(
            new RuleRequest
            {
                Name = "Gold and angry",
                Order = 1,
                Trigger = RuleRequest_trigger.ConversationContext_updated,
                Conditions = new RuleConditionsRequest
                {
                    All =
                    [
                        Condition("customer.context.crm-app.segment", RuleCondition_op.In, Strings("gold", "platinum")),
                        Condition("visibility", RuleCondition_op.Eq, new UntypedString("public")),
                    ],
                    Any =
                    [
                        Condition("text", RuleCondition_op.ContainsAny, Strings("😡", "refund", "hasn't arrived")),
                        Condition("author.followers", RuleCondition_op.Gte, new UntypedInteger(10_000)),
                    ],
                },
                Actions =
                [
                    new RuleAction { Type = RuleAction_type.SetPriority, Level = RuleAction_level.Urgent },
                    new RuleAction { Type = RuleAction_type.AddTags, Tags = ["vip"] },
                    new RuleAction { Type = RuleAction_type.ApplySla, PolicyId = gold },
                ],
            },
            cancellationToken: ct
        );
        say(
            "    care operations: Namshi open Sun–Thu 09:00–17:00 Riyadh time"
                + (open ? " (today made a holiday: the story happens out of hours)" : "")
                + "; a Gold SLA (first response in 15 s, for the demo); rules \"Out of hours\" and \"Gold and angry\""
        );
    }

    private static RuleCondition Condition(string field, RuleCondition_op op, UntypedNode value) =>
        new()
        {
            Field = field,
            Op = op,
            Value = value,
        };

    private static UntypedArray Strings(params string[] values) => new([.. values.Select(v => new UntypedString(v))]);

    private static Task<ConversationView> WaitAsync(
        ConversationsItemRequestBuilder conversation,
        Func<ConversationView, bool> done,
        string what,
        CancellationToken ct
    ) => HubApi.WaitAsync(() => conversation.GetAsync(cancellationToken: ct), done, what, ct);

    private async Task<Guid> ReplyAsync(
        ConversationsItemRequestBuilder conversation,
        string path,
        ReplyRequest body,
        CancellationToken ct
    )
    {
        var id = (await conversation.Replies.PostAsync(body, cancellationToken: ct))!.ReplyId!.Value;
        say($"    care → POST {path}/replies {await ShowAsync(body, indented: false, ct)} → 202");
        return id;
    }

    private static Task<ConversationView> ReplyStatusAsync(
        ConversationsItemRequestBuilder conversation,
        Guid replyId,
        ReplyView_status status,
        CancellationToken ct
    ) =>
        WaitAsync(
            conversation,
            c => c.LatestReplies?.Any(r => r.Id == replyId && r.Status == status) == true,
            $"reply {replyId} to be {status.ToString().ToLowerInvariant()}",
            ct
        );

    /// <summary>The problem the hub answers a call the story expects it to refuse.</summary>
    /// <summary>The week's care report, as any department reads it: computed by the hub from the events above.</summary>
    private async Task ReportAsync(HubApi care, CancellationToken ct)
    {
        Step(10, "This week's report, from the same events (GET /v1/reports/response-times?groupBy=channelType)");
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        SocialCare.Client.Models.ResponseTimesReport? report;
        while (true)
        {
            report = await care.V1.Reports.ResponseTimes.GetAsync(
                r =>
                    r.QueryParameters.GroupBy = SocialCare
                        .Client
                        .V1
                        .Reports
                        .ResponseTimes
                        .GetGroupByQueryParameterType
                        .ChannelType,
                ct
            );
            // Usually at once: the projection follows the log within a second.
            if (report?.AsOf?.Behind == 0 || DateTimeOffset.UtcNow >= deadline)
            {
                break;
            }

            await Task.Delay(200, ct);
        }

        static string Seconds(long? s) => s is { } v ? $"{v} s" : "—";
        say($"    {"channel", -10} {"opened", 6} {"resolved", 8} {"1st response p50", 16} {"resolution p50", 14}");
        foreach (var row in report?.Rows ?? [])
        {
            say(
                $"    {row.Key, -10} {row.Opened, 6} {row.Resolved, 8} {Seconds(row.TimeToFirstResponse?.P50), 16} "
                    + $"{Seconds(row.TimeToResolution?.P50), 14}"
            );
        }

        var feedback = await care.V1.Reports.Feedback.GetAsync(cancellationToken: ct);
        foreach (var row in feedback?.Rows ?? [])
        {
            say($"    {row.Kind?.ToUpperInvariant()}: {row.Responses} answer(s), mean {row.Mean}, score {row.Score}");
        }
    }

    private static async Task<Problem> RefusalAsync(Func<Task> call, string what)
    {
        try
        {
            await call();
        }
        catch (Problem problem)
        {
            return problem;
        }

        throw new InvalidOperationException($"The hub accepted {what}.");
    }

    /// <summary>A request or an answer as JSON for the terminal: Arabic and emoji as themselves.</summary>
    private static async Task<string> ShowAsync(IParsable value, bool indented, CancellationToken ct)
    {
        var json = await KiotaJsonSerializer.SerializeAsStringAsync(value, serializeOnlyChangedValues: false, ct);
        return Emoji(
            JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions(Readable) { WriteIndented = indented })
        );
    }

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
