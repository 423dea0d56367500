using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SocialCare.Api.EventLog;
using SocialCare.Api.Tests.Support;
using SocialCare.Api.Tests.Workflow;
using SocialCare.Contracts;

namespace SocialCare.Api.Tests.Reports;

/// <summary>
/// A week of care for brand <c>acme</c> (Europe/Amsterdam, open Monday to Friday 09:00–17:00), written straight into
/// the event log with known times around the change to summer time (Sunday 29 March 2026, 02:00 → 03:00):
/// <list type="bullet">
/// <item>A (WhatsApp, team care): opened Friday 16:00 local, acknowledged after 600 s, answered after 1,800 s,
/// resolved Monday 10:00 local — 65 hours on the wall clock (not 66: the night of the change is an hour short), two
/// business hours; first-response SLA met; CSAT 5.</item>
/// <item>B (Messenger, priority high): opened Saturday 10:00 local, out of hours; answered Monday 09:15 (166,500 s,
/// 900 business s), first-response SLA breached, resolved 09:45 (168,300 s; 2,700 business s); reopened 12:00,
/// answered after 300 s, resolved after 1,200 s; CSAT 2, NPS 9.</item>
/// <item>C (WhatsApp, team care, the same customer as A): opened Monday 14:00 local, acknowledged after 60 s, still open;
/// NPS 6.</item>
/// </list>
/// </summary>
internal sealed class ReportStory
{
    public const string Brand = "acme";
    public static readonly DateTimeOffset From = Utc("2026-03-27T00:00:00Z");
    public static readonly DateTimeOffset To = Utc("2026-03-31T00:00:00Z");
    public static readonly string Range = $"from={From:yyyy-MM-ddTHH:mm:ssZ}&to={To:yyyy-MM-ddTHH:mm:ssZ}";

    private readonly HubFactory _hub;
    private readonly string _database;
    private readonly Guid _workspace;
    private readonly Guid _whatsApp = Guid.CreateVersion7();
    private readonly Guid _messenger = Guid.CreateVersion7();
    private readonly Guid _customerX = Guid.CreateVersion7();
    private readonly Guid _customerY = Guid.CreateVersion7();

    private ReportStory(HubFactory hub, string database, Guid workspace)
    {
        _hub = hub;
        _database = database;
        _workspace = workspace;
    }

    public static DateTimeOffset Utc(string at) =>
        DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Configures the brand through the API, writes the story's events and waits until the reports have
    /// them.</summary>
    public static async Task<ReportStory> TellAsync(
        HubFactory hub,
        string database,
        Guid workspace,
        HttpClient client,
        string team = "care"
    )
    {
        var weekdays = new[] { new { from = "09:00", to = "17:00" } };
        await client.ConfigureBrandAsync(
            Brand,
            null,
            new
            {
                mon = weekdays,
                tue = weekdays,
                wed = weekdays,
                thu = weekdays,
                fri = weekdays,
            },
            "Europe/Amsterdam"
        );
        var story = new ReportStory(hub, database, workspace);
        await story.WriteAsync(team);
        await story.WaitUntilProjectedAsync(client);
        return story;
    }

    private async Task WriteAsync(string team)
    {
        var a = Guid.CreateVersion7();
        await AppendAsync(
            a,
            Opened(a, _customerX, _whatsApp, "whatsapp", "2026-03-27T15:00:00Z"),
            Engagement(a, _customerX, _whatsApp, "whatsapp", "2026-03-27T15:00:00Z"),
            On(new ConversationAssigned { Team = team }, a, _customerX, "2026-03-27T15:00:05Z"),
            On(
                new ConversationAcknowledged
                {
                    AcknowledgedAt = Utc("2026-03-27T15:10:00Z"),
                    TimeToAcknowledgeSeconds = 600,
                },
                a,
                _customerX,
                "2026-03-27T15:10:00Z"
            ),
            Reply(a, _customerX, _whatsApp, "whatsapp", "2026-03-27T15:30:00Z"),
            Sla(new SlaMet(), a, _customerX, 1, SlaTargets.FirstResponse, "2026-03-27T15:30:00Z"),
            Resolved(a, _customerX, "2026-03-27T15:00:00Z", "2026-03-30T08:00:00Z"),
            Feedback(a, _customerX, FeedbackKinds.Csat, 5, "2026-03-30T08:30:00Z")
        );

        var b = Guid.CreateVersion7();
        await AppendAsync(
            b,
            Opened(b, _customerY, _messenger, "messenger", "2026-03-28T09:00:00Z"),
            Engagement(b, _customerY, _messenger, "messenger", "2026-03-28T09:00:00Z"),
            On(
                new ConversationPriorityChanged { Level = "high", PreviousLevel = "normal" },
                b,
                _customerY,
                "2026-03-28T09:05:00Z"
            ),
            Sla(new SlaBreached(), b, _customerY, 1, SlaTargets.FirstResponse, "2026-03-28T10:00:00Z"),
            Reply(b, _customerY, _messenger, "messenger", "2026-03-30T07:15:00Z"),
            Resolved(b, _customerY, "2026-03-28T09:00:00Z", "2026-03-30T07:45:00Z"),
            On(
                new ConversationReopened
                {
                    ChannelId = _messenger,
                    ChannelType = "messenger",
                    PreviouslyResolvedAt = Utc("2026-03-30T07:45:00Z"),
                },
                b,
                _customerY,
                "2026-03-30T10:00:00Z"
            ),
            Engagement(b, _customerY, _messenger, "messenger", "2026-03-30T10:00:00Z"),
            Reply(b, _customerY, _messenger, "messenger", "2026-03-30T10:05:00Z"),
            Resolved(b, _customerY, "2026-03-30T10:00:00Z", "2026-03-30T10:20:00Z"),
            Feedback(b, _customerY, FeedbackKinds.Csat, 2, "2026-03-30T10:30:00Z"),
            Feedback(b, _customerY, FeedbackKinds.Nps, 9, "2026-03-30T10:31:00Z")
        );

        var c = Guid.CreateVersion7();
        await AppendAsync(
            c,
            Opened(c, _customerX, _whatsApp, "whatsapp", "2026-03-30T12:00:00Z"),
            Engagement(c, _customerX, _whatsApp, "whatsapp", "2026-03-30T12:00:00Z"),
            On(new ConversationAssigned { Team = team }, c, _customerX, "2026-03-30T12:00:05Z"),
            On(
                new ConversationAcknowledged
                {
                    AcknowledgedAt = Utc("2026-03-30T12:01:00Z"),
                    TimeToAcknowledgeSeconds = 60,
                },
                c,
                _customerX,
                "2026-03-30T12:01:00Z"
            ),
            Feedback(c, _customerX, FeedbackKinds.Nps, 6, "2026-03-30T12:30:00Z")
        );
    }

    /// <summary>Waits until the reports count every event committed so far.</summary>
    public async Task WaitUntilProjectedAsync(HttpClient client)
    {
        long head;
        await using (var connection = new NpgsqlConnection(_database))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("select coalesce(max(seq_id), 0) from mt_events", connection);
            head = (long)(await command.ExecuteScalarAsync())!;
        }

        await Eventually.Until(
            async () =>
                (await HubApi.ReadJson(await client.GetAsync($"/v1/reports/volume?{Range}"), HttpStatusCode.OK))[
                    "asOf"
                ]!["sequence"]!.GetValue<long>(),
            sequence => sequence >= head,
            what: $"the reports to reach sequence {head}"
        );
    }

    private Task<int> AppendAsync(Guid conversation, params HubEvent[] events) =>
        _hub
            .Services.GetRequiredService<EventStore>()
            .WriteAsync(
                writer =>
                {
                    writer.Append(conversation, typeof(StreamTypes.Conversation), _workspace, null, events);
                    return Task.FromResult(0);
                },
                CancellationToken.None
            );

    private T On<T>(T e, Guid conversation, Guid customer, string at)
        where T : HubEvent =>
        e with
        {
            EventId = Guid.CreateVersion7(),
            WorkspaceId = _workspace,
            Brand = Brand,
            ConversationId = conversation,
            CustomerId = customer,
            RecordedAt = Utc(at),
            Actor = new EventActor(ActorKinds.App, null, "care app", "agent-1", null),
        };

    private ConversationOpened Opened(Guid id, Guid customer, Guid channel, string type, string at) =>
        On(new ConversationOpened { ChannelId = channel, ChannelType = type }, id, customer, at) with
        {
            Actor = EventActor.System,
        };

    private EngagementReceived Engagement(Guid id, Guid customer, Guid channel, string type, string at) =>
        On(
            new EngagementReceived
            {
                EngagementId = Guid.CreateVersion7(),
                ChannelId = channel,
                ChannelType = type,
                PlatformMessageId = $"m-{Guid.NewGuid():N}",
                Author = new EngagementAuthor($"u-{customer:N}", "Customer", null),
                Text = "مرحبا 👋",
                Visibility = "private",
                OccurredAt = Utc(at),
            },
            id,
            customer,
            at
        );

    private ReplyRequested Reply(Guid id, Guid customer, Guid channel, string type, string at) =>
        On(
            new ReplyRequested
            {
                ReplyId = Guid.CreateVersion7(),
                ChannelId = channel,
                ChannelType = type,
                Recipient = $"u-{customer:N}",
                Text = "On it",
                Visibility = "private",
            },
            id,
            customer,
            at
        );

    private ConversationResolved Resolved(Guid id, Guid customer, string started, string at) =>
        On(
            new ConversationResolved
            {
                ResolvedAt = Utc(at),
                TimeToResolveSeconds = (Utc(at) - Utc(started)).TotalSeconds,
            },
            id,
            customer,
            at
        );

    private T Sla<T>(T e, Guid id, Guid customer, int episode, string target, string at)
        where T : SlaClockEvent =>
        On(e, id, customer, at) with
        {
            Episode = episode,
            Target = target,
            PolicyId = Guid.CreateVersion7(),
            PolicyName = "Gold",
            StartedAt = Utc(at).AddHours(-1),
            DueAt = Utc(at),
            Actor = EventActor.System,
        };

    private ConversationFeedbackReceived Feedback(Guid id, Guid customer, string kind, int score, string at) =>
        On(
            new ConversationFeedbackReceived
            {
                FeedbackId = Guid.CreateVersion7(),
                Kind = kind,
                Score = score,
                RespondedAt = Utc(at),
                Episode = 1,
            },
            id,
            customer,
            at
        );

    public static async Task<JsonNode> GetAsync(HttpClient client, string report, string query = "") =>
        await HubApi.ReadJson(
            await client.GetAsync($"/v1/reports/{report}?{Range}{(query.Length > 0 ? "&" + query : "")}"),
            HttpStatusCode.OK
        );
}
