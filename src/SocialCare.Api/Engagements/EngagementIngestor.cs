using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using SocialCare.Api.Channels;
using SocialCare.Api.Conversations;
using SocialCare.Api.Infrastructure.EventStore;
using SocialCare.Contracts;

namespace SocialCare.Api.Engagements;

/// <summary>An inbound engagement, normalised, from any source (the generic API or a native connector).</summary>
public sealed record InboundEngagement(
    string PlatformMessageId, string? ThreadKey, EngagementAuthor Author, string? Text, IReadOnlyList<Attachment> Attachments,
    string Visibility, string? Language, DateTimeOffset OccurredAt, JsonElement? Metadata);

public sealed record IngestResult(Guid EngagementId, Guid ConversationId, Guid CustomerId, bool Duplicate);

/// <summary>
/// Turns an engagement into customer, conversation and events in one transaction: deduplicated on
/// (workspace, channel account, platform message id), threaded, appended, projected — or nothing at all.
/// Ingestion for one author (and one public thread) is serialised with transaction advisory locks, so
/// two deliveries racing each other cannot create two customers or two open conversations.
/// </summary>
public sealed class EngagementIngestor(EventStore store, TimeProvider clock, IOptions<ConversationOptions> options)
{
    public Task<IngestResult> IngestAsync(Channel channel, InboundEngagement engagement, EventActor actor, CancellationToken cancellationToken) =>
        store.WriteAsync(writer => IngestAsync(writer, channel, engagement, actor, cancellationToken), cancellationToken);

    private async Task<IngestResult> IngestAsync(EventWriter writer, Channel channel, InboundEngagement engagement, EventActor actor, CancellationToken ct)
    {
        var workspaceId = channel.WorkspaceId;
        // Always identity first, then thread: one order everywhere, so two ingestions cannot deadlock.
        var identityLock = $"identity|{workspaceId}|{channel.Type}|{engagement.Author.PlatformUserId}";
        if (engagement.ThreadKey is null)
        {
            writer.Execute("select pg_advisory_xact_lock(hashtextextended($1, 0))", identityLock);
        }
        else
        {
            writer.Execute("select pg_advisory_xact_lock(hashtextextended($1, 0)), pg_advisory_xact_lock(hashtextextended($2, 0))",
                identityLock, $"thread|{channel.Id}|{engagement.ThreadKey}");
        }

        var state = await ReadStateAsync(writer, channel, engagement, ct);
        if (state.Duplicate is { } duplicate)
        {
            return duplicate;
        }

        var now = clock.GetUtcNow();
        var customerId = state.CustomerId ?? Guid.CreateVersion7();
        var decision = Threading.Decide(state.Thread, state.Open, state.LastResolved, now, options.Value.ReopenWindow);
        var conversationId = decision switch
        {
            ThreadingDecision.Join join => join.ConversationId,
            ThreadingDecision.Reopen reopen => reopen.ConversationId,
            _ => Guid.CreateVersion7(),
        };
        var engagementId = Guid.CreateVersion7();

        HubEvent Stamp(HubEvent e) => e with
        {
            EventId = Guid.CreateVersion7(), WorkspaceId = workspaceId, Brand = channel.Brand,
            ConversationId = conversationId, CustomerId = customerId, RecordedAt = now, Actor = actor,
        };

        if (state.CustomerId is null)
        {
            CreateCustomer(writer, workspaceId, customerId, channel.Type, engagement.Author, now);
            writer.Append(customerId, "customer", workspaceId, 0, [Stamp(new CustomerCreated
            {
                DisplayName = engagement.Author.DisplayName,
                Identity = new CustomerIdentity(channel.Type, engagement.Author.PlatformUserId, engagement.Author.DisplayName, engagement.Author.Handle),
            })]);
        }

        var events = new List<HubEvent>(2);
        switch (decision)
        {
            case ThreadingDecision.Open:
                writer.Execute("""
                    insert into conversations (id, workspace_id, brand, customer_id, status, current_channel_id, channel_ids, channel_types, opened_at, last_activity_at, version)
                    values ($1, $2, $3, $4, 'open', $5, array[$5]::uuid[], array[$6]::text[], $7, $7, 0)
                    """, conversationId, workspaceId, channel.Brand, customerId, channel.Id, channel.Type, now);
                events.Add(Stamp(new ConversationOpened { ChannelId = channel.Id, ChannelType = channel.Type, ThreadKey = engagement.ThreadKey }));
                break;
            case ThreadingDecision.Reopen reopen:
                writer.Execute("update conversations set status = 'open', resolved_at = null where id = $1", conversationId);
                events.Add(Stamp(new ConversationReopened
                {
                    ChannelId = channel.Id, ChannelType = channel.Type, PreviouslyResolvedAt = reopen.ResolvedAt, Reason = "inbound",
                }));
                break;
        }

        if (engagement.ThreadKey is not null && (state.Thread is null || state.Thread.Id != conversationId))
        {
            writer.Execute("""
                insert into conversation_threads (workspace_id, channel_id, thread_key, conversation_id) values ($1, $2, $3, $4)
                on conflict (workspace_id, channel_id, thread_key) do update set conversation_id = excluded.conversation_id
                """, workspaceId, channel.Id, engagement.ThreadKey, conversationId);
        }

        writer.Execute("""
            insert into engagements (id, workspace_id, channel_id, platform_message_id, conversation_id, customer_id, thread_key,
                                     author, text, attachments, visibility, language, metadata, occurred_at, received_at)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
            """, engagementId, workspaceId, channel.Id, engagement.PlatformMessageId, conversationId, customerId, engagement.ThreadKey,
            Jsonb(engagement.Author), engagement.Text, Jsonb(engagement.Attachments), engagement.Visibility, engagement.Language,
            engagement.Metadata is { ValueKind: JsonValueKind.Object } m ? Jsonb(m) : DBNull.Value, engagement.OccurredAt, now);

        events.Add(Stamp(new EngagementReceived
        {
            EngagementId = engagementId, ChannelId = channel.Id, ChannelType = channel.Type,
            PlatformMessageId = engagement.PlatformMessageId, ThreadKey = engagement.ThreadKey, Author = engagement.Author,
            Text = engagement.Text, Attachments = engagement.Attachments, Visibility = engagement.Visibility,
            Language = engagement.Language, OccurredAt = engagement.OccurredAt,
            Metadata = engagement.Metadata is { ValueKind: JsonValueKind.Object } ? engagement.Metadata : null,
        }));
        writer.Append(conversationId, "conversation", workspaceId, decision is ThreadingDecision.Open ? 0 : null, events);

        // The projection's version moves with the stream's: both change only together, in this transaction.
        writer.Execute("""
            update conversations set
                version = version + $2, last_activity_at = $3, last_inbound_at = $3, engagement_count = engagement_count + 1,
                current_channel_id = $4,
                channel_ids = case when $4 = any(channel_ids) then channel_ids else channel_ids || $4 end,
                channel_types = case when $5 = any(channel_types) then channel_types else channel_types || $5 end
            where id = $1
            """, conversationId, (long)events.Count, now, channel.Id, channel.Type);
        return new IngestResult(engagementId, conversationId, customerId, Duplicate: false);
    }

    private sealed record State(IngestResult? Duplicate, Guid? CustomerId, ConversationCandidate? Thread, ConversationCandidate? Open, ConversationCandidate? LastResolved);

    private static async Task<State> ReadStateAsync(EventWriter writer, Channel channel, InboundEngagement engagement, CancellationToken ct)
    {
        var rows = await writer.QueryAsync(StateQuery,
            r => (Kind: r.GetString(0), Id: r.IsDBNull(1) ? Guid.Empty : r.GetGuid(1), Conversation: r.IsDBNull(2) ? Guid.Empty : r.GetGuid(2),
                  Customer: r.GetGuid(3), ResolvedAt: r.IsDBNull(4) ? (DateTimeOffset?)null : r.GetFieldValue<DateTimeOffset>(4)),
            ct, channel.WorkspaceId, channel.Id, channel.Type, engagement.Author.PlatformUserId, engagement.PlatformMessageId,
            new NpgsqlParameter<string?> { TypedValue = engagement.ThreadKey }, channel.Brand);
        IngestResult? duplicate = null;
        Guid? customerId = null;
        ConversationCandidate? thread = null, open = null, resolved = null;
        foreach (var row in rows)
        {
            switch (row.Kind)
            {
                case "duplicate":
                    duplicate = new IngestResult(row.Id, row.Conversation, row.Customer, Duplicate: true);
                    break;
                case "customer":
                    customerId = row.Customer;
                    break;
                case "thread":
                    thread = new ConversationCandidate(row.Id, true, null);
                    break;
                case "open":
                    open = new ConversationCandidate(row.Id, true, null);
                    break;
                case "resolved":
                    resolved = new ConversationCandidate(row.Id, false, row.ResolvedAt);
                    break;
            }
        }

        return new State(duplicate, customerId, thread, open, resolved);
    }

    /// <summary>Everything ingestion needs to decide, in one query: a duplicate, the author's customer, and the candidate conversations.</summary>
    private const string StateQuery = """
        with identity as (
            select customer_id from customer_identities where workspace_id = $1 and channel_type = $3 and platform_user_id = $4)
        select 'duplicate' as kind, e.id, e.conversation_id, e.customer_id, null::timestamptz
            from engagements e where e.workspace_id = $1 and e.channel_id = $2 and e.platform_message_id = $5
        union all
        select 'customer', null, null, customer_id, null from identity
        union all
        select 'thread', c.id, c.id, c.customer_id, c.resolved_at
            from conversation_threads t join conversations c on c.id = t.conversation_id
            where t.workspace_id = $1 and t.channel_id = $2 and t.thread_key = $6 and c.status = 'open'
        union all
        select 'open', c.id, c.id, c.customer_id, null
            from conversations c where c.workspace_id = $1 and c.brand = $7 and c.status = 'open'
            and c.customer_id = (select customer_id from identity)
        union all
        (select 'resolved', c.id, c.id, c.customer_id, c.resolved_at
            from conversations c where c.workspace_id = $1 and c.brand = $7 and c.status = 'resolved'
            and c.customer_id = (select customer_id from identity)
            order by c.resolved_at desc limit 1)
        """;

    private static void CreateCustomer(EventWriter writer, Guid workspaceId, Guid customerId, string channelType, EngagementAuthor author, DateTimeOffset now)
    {
        writer.Execute("insert into customers (id, workspace_id, display_name, created_at) values ($1, $2, $3, $4)",
            customerId, workspaceId, author.DisplayName, now);
        writer.Execute("""
            insert into customer_identities (workspace_id, channel_type, platform_user_id, customer_id, display_name, handle, created_at)
            values ($1, $2, $3, $4, $5, $6, $7)
            """, workspaceId, channelType, author.PlatformUserId, customerId, author.DisplayName, author.Handle, now);
    }

    private static NpgsqlParameter Jsonb<T>(T value) =>
        new() { Value = JsonSerializer.Serialize(value, EventTypeRegistry.Json), NpgsqlDbType = NpgsqlDbType.Jsonb };
}
