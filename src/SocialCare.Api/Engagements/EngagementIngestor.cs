using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using SocialCare.Api.Channels;
using SocialCare.Api.Conversations;
using SocialCare.Api.EventLog;
using SocialCare.Contracts;

namespace SocialCare.Api.Engagements;

/// <summary>An inbound engagement, normalised, from any source (the generic API or a native connector).</summary>
public sealed record InboundEngagement(
    string PlatformMessageId,
    string? ThreadKey,
    EngagementAuthor Author,
    string? Text,
    IReadOnlyList<Attachment> Attachments,
    string Visibility,
    string? Language,
    DateTimeOffset OccurredAt,
    JsonElement? Metadata
)
{
    /// <summary>The longest platform id (message, user, thread) the hub keeps: it is indexed, and compared in every
    /// dedupe.</summary>
    public const int MaxIdLength = 256;

    /// <summary>
    /// Whether a platform id can be stored, indexed and put in a platform's URL: 1 to <see cref="MaxIdLength"/>
    /// characters, none of them a control character, not a dot segment. Checked before an engagement joins a group
    /// commit, so that an odd id fails only its own request.
    /// </summary>
    public static bool IsValidId(string? id) =>
        id is { Length: > 0 and <= MaxIdLength } and not ("." or "..")
        && !id.Any(char.IsControl)
        && !string.IsNullOrWhiteSpace(id);

    /// <summary>Whether every platform id of this engagement <see cref="IsValidId">can be stored</see>.</summary>
    public bool HasValidIds =>
        IsValidId(PlatformMessageId) && IsValidId(Author.PlatformUserId) && (ThreadKey is null || IsValidId(ThreadKey));
}

public sealed record IngestResult(Guid EngagementId, Guid ConversationId, Guid CustomerId, bool Duplicate);

/// <summary>One engagement to ingest, as it arrived on its channel account, with who sent it in.</summary>
public sealed record IngestionItem(Channel Channel, InboundEngagement Engagement, EventActor Actor)
{
    /// <summary>The trace the engagement came in on (the request's span), which its events carry: a batch is written
    /// on another flow.</summary>
    public Infrastructure.Telemetry.EventTrace? Trace { get; init; } = Infrastructure.Telemetry.EventTrace.Current();

    /// <summary>
    /// The advisory lock keys this item takes: its author's identity, and its public thread. Two items that share a
    /// key, or the same platform message, never go in one batch (see <see cref="IngestionBatcher"/>).
    /// </summary>
    public IEnumerable<string> LockKeys()
    {
        yield return CustomerLocks.Identity(Channel.WorkspaceId, Channel.Type, Engagement.Author.PlatformUserId);
        if (Engagement.ThreadKey is { } thread)
        {
            yield return CustomerLocks.Thread(Channel.Id, thread);
        }
    }

    public string DedupeKey => $"message|{Channel.Id}|{Engagement.PlatformMessageId}";
}

/// <summary>
/// Turns engagements into customers, conversations and events in one transaction: deduplicated on (workspace, channel
/// account, platform message id), threaded, appended, projected — or nothing at all. Several engagements share a
/// transaction (group commit): one statement takes every lock, one reads every state, one round trip writes them all.
/// The advisory locks (author identity, public thread) are taken in one sorted pass, so concurrent batches, here or on
/// other instances, serialise per author and never deadlock.
/// </summary>
public sealed class EngagementIngestor(EventStore store, TimeProvider clock, IOptions<ConversationOptions> options)
{
    /// <summary>
    /// Ingests <paramref name="items"/> together. An item whose customer another item of the batch also touches is left
    /// out (null result): two decisions about one customer's conversations must see each other, so it goes in a later
    /// batch.
    /// </summary>
    public Task<IngestResult?[]> IngestAsync(IReadOnlyList<IngestionItem> items, CancellationToken cancellationToken) =>
        store.WriteAsync(writer => IngestAsync(writer, items, cancellationToken), cancellationToken);

    private async Task<IngestResult?[]> IngestAsync(
        EventWriter writer,
        IReadOnlyList<IngestionItem> items,
        CancellationToken ct
    )
    {
        writer.Lock(items.SelectMany(i => i.LockKeys()));
        var states = await ReadStatesAsync(writer, items, ct);
        var now = clock.GetUtcNow();
        var results = new IngestResult?[items.Count];
        var customers = new HashSet<Guid>();
        var writes = new BatchWrites();
        // Conversation rows are locked in id order, as a merge locks them, so that two batches touching the same
        // conversations through different identities wait for each other instead of deadlocking (reopened ones here,
        // the rest in ConversationProjection.Received). New ones come last.
        foreach (
            var i in Enumerable
                .Range(0, items.Count)
                .OrderBy(i =>
                    states[i].Thread?.Id ?? states[i].Open?.Id ?? states[i].LastResolved?.Id ?? Guid.AllBitsSet
                )
        )
        {
            var state = states[i];
            if (state.Duplicate is { } duplicate)
            {
                results[i] = duplicate;
            }
            else if (state.CustomerId is not { } known || customers.Add(known))
            {
                results[i] = Ingest(writer, writes, items[i], state, now);
            }
        }

        // Set-based, after every conversation row they refer to exists: one insert for all engagements, one for all
        // events.
        if (writes.Engagements.Count > 0)
        {
            InsertEngagements(writer, writes.Engagements, now);
            ConversationProjection.Received(
                writer,
                writes
                    .Activity.GroupBy(a => a.ConversationId)
                    .Select(g =>
                        g.Last() with
                        {
                            Engagements = g.Sum(a => a.Engagements),
                            Events = g.Sum(a => a.Events),
                        }
                    )
                    .ToList()
            );
            writer.Append(writes.Appends);
        }

        return results;
    }

    private sealed class BatchWrites
    {
        public List<StreamAppend> Appends { get; } = [];

        public List<InboundActivity> Activity { get; } = [];

        public List<(Guid Id, IngestionItem Item, Guid ConversationId, Guid CustomerId)> Engagements { get; } = [];
    }

    private IngestResult Ingest(
        EventWriter writer,
        BatchWrites writes,
        IngestionItem item,
        State state,
        DateTimeOffset now
    )
    {
        var (channel, engagement, actor) = item;
        var workspaceId = channel.WorkspaceId;
        var customerId = state.CustomerId ?? Guid.CreateVersion7();
        var decision = Threading.Decide(
            state.Thread,
            state.Open,
            state.LastResolved,
            now,
            options.Value.ReopenWindow,
            engagement.Text,
            options.Value.SurveyWindow
        );
        var conversationId = decision switch
        {
            ThreadingDecision.Join join => join.ConversationId,
            ThreadingDecision.Reopen reopen => reopen.ConversationId,
            ThreadingDecision.SurveyAnswer answer => answer.ConversationId,
            _ => Guid.CreateVersion7(),
        };
        var engagementId = Guid.CreateVersion7();

        HubEvent Stamp(HubEvent e) =>
            e with
            {
                EventId = Guid.CreateVersion7(),
                WorkspaceId = workspaceId,
                Brand = channel.Brand,
                ConversationId = conversationId,
                CustomerId = customerId,
                RecordedAt = now,
                Actor = actor,
            };

        if (state.CustomerId is null)
        {
            CreateCustomer(writer, workspaceId, customerId, channel.Type, engagement.Author, now);
            writes.Appends.Add(
                new StreamAppend(
                    customerId,
                    typeof(StreamTypes.Customer),
                    workspaceId,
                    0,
                    [
                        Stamp(
                            new CustomerCreated
                            {
                                DisplayName = engagement.Author.DisplayName,
                                Identity = new CustomerIdentity(
                                    channel.Type,
                                    engagement.Author.PlatformUserId,
                                    engagement.Author.DisplayName,
                                    engagement.Author.Handle
                                ),
                            }
                        ),
                    ]
                )
                {
                    Trace = item.Trace,
                }
            );
        }

        var events = new List<HubEvent>(2);
        switch (decision)
        {
            case ThreadingDecision.Open:
                ConversationProjection.Opened(
                    writer,
                    conversationId,
                    workspaceId,
                    channel.Brand,
                    customerId,
                    channel.Id,
                    channel.Type,
                    now
                );
                events.Add(
                    Stamp(
                        new ConversationOpened
                        {
                            ChannelId = channel.Id,
                            ChannelType = channel.Type,
                            ThreadKey = engagement.ThreadKey,
                        }
                    )
                );
                break;
            case ThreadingDecision.Reopen reopen:
                ConversationProjection.Reopened(writer, conversationId, now);
                events.Add(
                    Stamp(
                        new ConversationReopened
                        {
                            ChannelId = channel.Id,
                            ChannelType = channel.Type,
                            PreviouslyResolvedAt = reopen.ResolvedAt,
                            Reason = "inbound",
                        }
                    )
                );
                break;
        }

        if (engagement.ThreadKey is not null && (state.Thread is null || state.Thread.Id != conversationId))
        {
            writer.Execute(
                """
                insert into conversation_threads (workspace_id, channel_id, thread_key, conversation_id) values ($1,
                    $2, $3, $4)
                on conflict (workspace_id, channel_id, thread_key) do update set conversation_id =
                    excluded.conversation_id
                """,
                workspaceId,
                channel.Id,
                engagement.ThreadKey,
                conversationId
            );
        }

        writes.Engagements.Add((engagementId, item, conversationId, customerId));

        events.Add(
            Stamp(
                new EngagementReceived
                {
                    EngagementId = engagementId,
                    ChannelId = channel.Id,
                    ChannelType = channel.Type,
                    PlatformMessageId = engagement.PlatformMessageId,
                    ThreadKey = engagement.ThreadKey,
                    Author = engagement.Author,
                    Text = engagement.Text,
                    Attachments = engagement.Attachments,
                    Visibility = engagement.Visibility,
                    Language = engagement.Language,
                    OccurredAt = engagement.OccurredAt,
                    Metadata = engagement.Metadata is { ValueKind: JsonValueKind.Object } ? engagement.Metadata : null,
                }
            )
        );
        if (decision is ThreadingDecision.SurveyAnswer survey)
        {
            var feedback = (ConversationFeedbackReceived)Stamp(
                new ConversationFeedbackReceived
                {
                    FeedbackId = Guid.CreateVersion7(),
                    Kind = survey.Survey.Kind,
                    Score = survey.Score,
                    ChannelId = channel.Id,
                    RespondedAt = engagement.OccurredAt < now ? engagement.OccurredAt : now,
                    Episode = survey.Survey.Episode,
                }
            );
            ConversationProjection.FeedbackReceived(writer, conversationId, feedback);
            events.Add(feedback);
        }

        writes.Appends.Add(
            new StreamAppend(
                conversationId,
                typeof(StreamTypes.Conversation),
                workspaceId,
                decision is ThreadingDecision.Open ? 0 : null,
                events
            )
            {
                Trace = item.Trace,
            }
        );

        // The projection's version moves with the stream's: both change only together, in this transaction.
        writes.Activity.Add(new InboundActivity(conversationId, 1, events.Count, now, channel.Id, channel.Type));
        return new IngestResult(engagementId, conversationId, customerId, Duplicate: false);
    }

    private sealed record State(
        IngestResult? Duplicate,
        Guid? CustomerId,
        ConversationCandidate? Thread,
        ConversationCandidate? Open,
        ConversationCandidate? LastResolved
    );

    private static async Task<State[]> ReadStatesAsync(
        EventWriter writer,
        IReadOnlyList<IngestionItem> items,
        CancellationToken ct
    )
    {
        var rows = await writer.QueryAsync(
            StateQuery,
            r =>
                (
                    Item: (int)r.GetInt64(0) - 1,
                    Kind: r.GetString(1),
                    Id: r.IsDBNull(2) ? Guid.Empty : r.GetGuid(2),
                    Conversation: r.IsDBNull(3) ? Guid.Empty : r.GetGuid(3),
                    Customer: r.GetGuid(4),
                    ResolvedAt: r.IsDBNull(5) ? (DateTimeOffset?)null : r.GetFieldValue<DateTimeOffset>(5),
                    Survey: r.IsDBNull(6)
                        ? null
                        : new PendingSurvey(r.GetString(6), r.GetFieldValue<DateTimeOffset>(7), r.GetInt32(8))
                ),
            ct,
            items.Select(i => i.Channel.WorkspaceId).ToArray(),
            items.Select(i => i.Channel.Id).ToArray(),
            items.Select(i => i.Channel.Type).ToArray(),
            items.Select(i => i.Channel.Brand).ToArray(),
            items.Select(i => i.Engagement.Author.PlatformUserId).ToArray(),
            items.Select(i => i.Engagement.PlatformMessageId).ToArray(),
            new NpgsqlParameter<string?[]> { TypedValue = items.Select(i => i.Engagement.ThreadKey).ToArray() }
        );
        var states = Enumerable.Repeat(new State(null, null, null, null, null), items.Count).ToArray();
        foreach (var row in rows)
        {
            var state = states[row.Item];
            states[row.Item] = row.Kind switch
            {
                "duplicate" => state with
                {
                    Duplicate = new IngestResult(row.Id, row.Conversation, row.Customer, Duplicate: true),
                },
                "customer" => state with { CustomerId = row.Customer },
                "thread" => state with { Thread = new ConversationCandidate(row.Id, true, null) },
                "open" => state with { Open = new ConversationCandidate(row.Id, true, null) },
                _ => state with { LastResolved = new ConversationCandidate(row.Id, false, row.ResolvedAt, row.Survey) },
            };
        }

        return states;
    }

    /// <summary>
    /// Everything ingestion needs to decide, for every item of a batch in one query (rows tagged with the item's
    /// ordinal): a duplicate, the author's customer, and the candidate conversations.
    /// </summary>
    private const string StateQuery = """
        with items as (
            select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
                with ordinality as i(workspace_id, channel_id, channel_type, brand, platform_user_id,
                    platform_message_id, thread_key, n)),
        identity as (
            select i.n, i.workspace_id, i.brand, ci.customer_id
            from items i join customer_identities ci
                on ci.workspace_id = i.workspace_id and ci.channel_type = i.channel_type and ci.platform_user_id =
                    i.platform_user_id)
        select i.n, 'duplicate' as kind, e.id, e.conversation_id, e.customer_id, null::timestamptz, null::text,
                null::timestamptz, null::int
            from items i join engagements e
                on e.workspace_id = i.workspace_id and e.channel_id = i.channel_id and e.platform_message_id =
                    i.platform_message_id
        union all
        select n, 'customer', null, null, customer_id, null, null, null, null from identity
        union all
        select i.n, 'thread', c.id, c.id, c.customer_id, c.resolved_at, null, null, null
            from items i
            join conversation_threads t on t.workspace_id = i.workspace_id and t.channel_id = i.channel_id and
                t.thread_key = i.thread_key
            join conversations c on c.id = t.conversation_id
            where c.status = 'open'
        union all
        select d.n, 'open', c.id, c.id, c.customer_id, null, null, null, null
            from identity d join conversations c
                on c.workspace_id = d.workspace_id and c.brand = d.brand and c.status = 'open' and c.customer_id =
                    d.customer_id
        union all
        select d.n, 'resolved', r.id, r.id, r.customer_id, r.resolved_at, r.survey_kind, r.survey_requested_at,
                r.episode
            from identity d cross join lateral (
                select c.id, c.customer_id, c.resolved_at, c.survey_kind, c.survey_requested_at, c.episode
                from conversations c
                where c.workspace_id = d.workspace_id and c.brand = d.brand and c.status = 'resolved' and c.customer_id
                    = d.customer_id
                order by c.resolved_at desc limit 1) r
        """;

    private static void CreateCustomer(
        EventWriter writer,
        Guid workspaceId,
        Guid customerId,
        string channelType,
        EngagementAuthor author,
        DateTimeOffset now
    )
    {
        writer.Execute(
            "insert into customers (id, workspace_id, display_name, created_at) values ($1, $2, $3, $4)",
            customerId,
            workspaceId,
            author.DisplayName,
            now
        );
        writer.Execute(
            """
            insert into customer_identities (workspace_id, channel_type, platform_user_id, customer_id, display_name,
                handle, created_at)
            values ($1, $2, $3, $4, $5, $6, $7)
            """,
            workspaceId,
            channelType,
            author.PlatformUserId,
            customerId,
            author.DisplayName,
            author.Handle,
            now
        );
    }

    private static void InsertEngagements(
        EventWriter writer,
        List<(Guid Id, IngestionItem Item, Guid ConversationId, Guid CustomerId)> rows,
        DateTimeOffset now
    )
    {
        writer.Execute(
            """
            insert into engagements (id, workspace_id, channel_id, platform_message_id, conversation_id, customer_id,
                thread_key,
                                     author, text, attachments, visibility, language, metadata, occurred_at,
                                         received_at)
            select id, workspace_id, channel_id, platform_message_id, conversation_id, customer_id, thread_key,
                   author, text, attachments, visibility, language, metadata, occurred_at, $14
            from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::uuid[], $7::text[],
                $8::jsonb[], $9::text[],
                        $10::jsonb[], $11::text[], $12::text[], $13::jsonb[], $15::timestamptz[])
                as e(id, workspace_id, channel_id, platform_message_id, conversation_id, customer_id, thread_key,
                    author, text,
                     attachments, visibility, language, metadata, occurred_at)
            """,
            rows.Select(r => r.Id).ToArray(),
            rows.Select(r => r.Item.Channel.WorkspaceId).ToArray(),
            rows.Select(r => r.Item.Channel.Id).ToArray(),
            rows.Select(r => r.Item.Engagement.PlatformMessageId).ToArray(),
            rows.Select(r => r.ConversationId).ToArray(),
            rows.Select(r => r.CustomerId).ToArray(),
            new NpgsqlParameter<string?[]> { TypedValue = rows.Select(r => r.Item.Engagement.ThreadKey).ToArray() },
            JsonbArray(rows.Select(r => Json(r.Item.Engagement.Author))),
            new NpgsqlParameter<string?[]> { TypedValue = rows.Select(r => r.Item.Engagement.Text).ToArray() },
            JsonbArray(rows.Select(r => Json(r.Item.Engagement.Attachments))),
            rows.Select(r => r.Item.Engagement.Visibility).ToArray(),
            new NpgsqlParameter<string?[]> { TypedValue = rows.Select(r => r.Item.Engagement.Language).ToArray() },
            JsonbArray(
                rows.Select(r => r.Item.Engagement.Metadata is { ValueKind: JsonValueKind.Object } m ? Json(m) : null)
            ),
            now,
            rows.Select(r => r.Item.Engagement.OccurredAt).ToArray()
        );
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, EventTypeRegistry.Json);

    private static NpgsqlParameter JsonbArray(IEnumerable<string?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb };
}
