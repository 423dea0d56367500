using System.Text.Json;
using NpgsqlTypes;
using SocialCare.Api.EventLog;
using SocialCare.Contracts;

namespace SocialCare.Api.Conversations;

/// <summary>One conversation's inbound engagements of an ingestion batch: how many events they appended, the last one's
/// time and channel.</summary>
public sealed record InboundActivity(
    Guid ConversationId,
    int Engagements,
    long Events,
    DateTimeOffset At,
    Guid ChannelId,
    string ChannelType
);

/// <summary>
/// Keeps the conversation read model (the <c>conversations</c> table) in step with its events, in the transaction that
/// appends them: the one writer of that table.
/// </summary>
public static class ConversationProjection
{
    /// <summary>A conversation opened by an inbound engagement; <see cref="Received"/> then counts the engagement and
    /// its events.</summary>
    public static void Opened(
        EventWriter writer,
        Guid id,
        Guid workspaceId,
        string brand,
        Guid customerId,
        Guid channelId,
        string channelType,
        DateTimeOffset at
    ) =>
        writer.Execute(
            """
            insert into conversations (id, workspace_id, brand, customer_id, status, current_channel_id, channel_ids,
                channel_types, opened_at, last_activity_at, version)
            values ($1, $2, $3, $4, 'open', $5, array[$5]::uuid[], array[$6]::text[], $7, $7, 0)
            """,
            id,
            workspaceId,
            brand,
            customerId,
            channelId,
            channelType,
            at
        );

    /// <summary>A resolved conversation reopened at <paramref name="at"/>: a new episode, whose acknowledgement,
    /// response and resolution clocks start then.</summary>
    public static void Reopened(EventWriter writer, Guid id, DateTimeOffset at) =>
        writer.Execute(
            "update conversations set status = 'open', resolved_at = null, acknowledged_at = null, "
                + "episode = episode + 1, episode_opened_at = $2, survey_kind = null, survey_requested_at = null "
                + "where id = $1",
            id,
            at
        );

    /// <summary>A survey's answer: kept for the conversation's readers, and the survey it answers is no longer
    /// waiting.</summary>
    public static void FeedbackReceived(EventWriter writer, Guid conversationId, ConversationFeedbackReceived f)
    {
        writer.Execute(
            """
            insert into conversation_feedback (id, workspace_id, conversation_id, brand, episode, kind,
                score, comment, channel_id, responded_at, recorded_at, recorded_by)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            """,
            f.FeedbackId,
            f.WorkspaceId,
            conversationId,
            f.Brand,
            f.Episode,
            f.Kind,
            f.Score,
            f.Comment,
            f.ChannelId,
            f.RespondedAt,
            f.RecordedAt,
            f.Actor.Name
        );
        writer.Execute(
            "update conversations set survey_kind = null, survey_requested_at = null where id = $1",
            conversationId
        );
    }

    /// <summary>
    /// A batch's inbound engagements, in one statement: each conversation's version moves with its stream, its activity
    /// and channels with the engagement. The rows are locked in id order first, as a merge locks them, so that two
    /// batches touching the same conversations wait for each other instead of deadlocking.
    /// </summary>
    public static void Received(EventWriter writer, IReadOnlyCollection<InboundActivity> activity) =>
        writer.Execute(
            """
            with locked as (select id from conversations where id = any($1) order by id for no key update)
            update conversations c set
                version = c.version + a.events, last_activity_at = a.at, last_inbound_at = a.at,
                engagement_count = c.engagement_count + a.engagements, current_channel_id = a.channel_id,
                channel_ids = case when a.channel_id = any(c.channel_ids) then c.channel_ids else c.channel_ids ||
                    a.channel_id end,
                channel_types = case when a.channel_type = any(c.channel_types) then c.channel_types else
                    c.channel_types || a.channel_type end
            from locked join unnest($1::uuid[], $2::int[], $3::bigint[], $4::timestamptz[], $5::uuid[], $6::text[])
                as a(id, engagements, events, at, channel_id, channel_type) on a.id = locked.id
            where c.id = a.id
            """,
            activity.Select(a => a.ConversationId).ToArray(),
            activity.Select(a => a.Engagements).ToArray(),
            activity.Select(a => a.Events).ToArray(),
            activity.Select(a => a.At).ToArray(),
            activity.Select(a => a.ChannelId).ToArray(),
            activity.Select(a => a.ChannelType).ToArray()
        );

    /// <summary>A merge moves the merged customer's conversations to the survivor (locked in id order); returns their
    /// ids.</summary>
    public static Task<List<Guid>> MoveToCustomerAsync(
        EventWriter writer,
        Guid workspaceId,
        Guid from,
        Guid to,
        CancellationToken ct
    ) =>
        writer.QueryAsync(
            """
            with moving as (select id from conversations where workspace_id = $1 and customer_id = $2 order by id for
                update)
            update conversations c set customer_id = $3 from moving where c.id = moving.id returning c.id
            """,
            r => r.GetGuid(0),
            ct,
            workspaceId,
            from,
            to
        );

    /// <summary>Projects a conversation's events; with <paramref name="activity"/> false (the hub's own SLA events),
    /// the conversation's last activity stays where people and customers left it.</summary>
    public static void Apply(
        EventWriter writer,
        Guid conversationId,
        IReadOnlyList<HubEvent> events,
        DateTimeOffset now,
        bool activity = true
    )
    {
        foreach (var e in events)
        {
            switch (e)
            {
                case ConversationAcknowledged a:
                    writer.Execute(
                        "update conversations set acknowledged_at = $2 where id = $1",
                        conversationId,
                        a.AcknowledgedAt
                    );
                    break;
                case ConversationAssigned a:
                    writer.Execute(
                        "update conversations set assigned_team = $2, assigned_agent = $3 where id = $1",
                        conversationId,
                        a.Team,
                        a.Agent
                    );
                    break;
                case ConversationTagged t:
                    writer.Execute(
                        "update conversations set tags = $2 where id = $1",
                        conversationId,
                        t.Tags.ToArray()
                    );
                    break;
                case ConversationPriorityChanged p:
                    writer.Execute(
                        "update conversations set priority = $2, priority_reason = $3 where id = $1",
                        conversationId,
                        p.Level,
                        p.Reason
                    );
                    break;
                case ConversationLinked l:
                    writer.Execute(
                        """
                        insert into conversation_links (conversation_id, workspace_id, system, record_type, record_id,
                            url, linked_by, linked_at)
                        values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing
                        """,
                        conversationId,
                        l.WorkspaceId,
                        l.System,
                        l.RecordType,
                        l.RecordId,
                        l.Url,
                        l.Actor.Name,
                        l.RecordedAt
                    );
                    break;
                case ConversationContextUpdated c:
                    foreach (
                        var (key, value, personal) in c
                            .Values.Select(v => (v.Key, v.Value, false))
                            .Concat(
                                (c.PersonalValues ?? new Dictionary<string, JsonElement>()).Select(v =>
                                    (v.Key, v.Value, true)
                                )
                            )
                    )
                    {
                        if (value.ValueKind == JsonValueKind.Null)
                        {
                            writer.Execute(
                                "delete from conversation_context where conversation_id = $1 and namespace = $2 "
                                    + "and key = $3",
                                conversationId,
                                c.Namespace,
                                key
                            );
                        }
                        else
                        {
                            writer.Execute(
                                """
                                insert into conversation_context (conversation_id, namespace, key, value, updated_at,
                                    personal)
                                    values ($1, $2, $3, $4, $5, $6)
                                on conflict (conversation_id, namespace, key) do update set value = excluded.value,
                                    updated_at = excluded.updated_at, personal = excluded.personal
                                """,
                                conversationId,
                                c.Namespace,
                                key,
                                new Npgsql.NpgsqlParameter
                                {
                                    Value = value.GetRawText(),
                                    NpgsqlDbType = NpgsqlDbType.Jsonb,
                                },
                                c.RecordedAt,
                                personal
                            );
                        }
                    }

                    break;
                case ConversationClaimed c:
                    writer.Execute(
                        "update conversations set claim_key_id = $2, claim_app = $3, claim_person = $4, "
                            + "claim_expires_at = $5 where id = $1",
                        conversationId,
                        c.Actor.KeyId,
                        c.App,
                        c.Person,
                        c.ExpiresAt
                    );
                    break;
                case ConversationReleased:
                    writer.Execute(
                        "update conversations set claim_key_id = null, claim_app = null, claim_person = null, "
                            + "claim_expires_at = null where id = $1",
                        conversationId
                    );
                    break;
                case ConversationChannelChanged c:
                    writer.Execute(
                        """
                        update conversations set current_channel_id = $2,
                            channel_ids = case when $2 = any(channel_ids) then channel_ids else channel_ids || $2 end,
                            channel_types = case when $3 = any(channel_types) then channel_types else channel_types ||
                                $3 end
                        where id = $1
                        """,
                        conversationId,
                        c.ToChannelId,
                        c.ToChannelType
                    );
                    break;
                case ReplyRequested r:
                    writer.Execute(
                        """
                        insert into replies (id, workspace_id, conversation_id, channel_id, recipient, text,
                            attachments, visibility, status, requested_by, requested_at, in_reply_to, automatic)
                        values ($1, $2, $3, $4, $5, $6, $7, $8, 'requested', $9, $10, $11, $12)
                        """,
                        r.ReplyId,
                        r.WorkspaceId,
                        conversationId,
                        r.ChannelId,
                        r.Recipient,
                        r.Text,
                        new Npgsql.NpgsqlParameter
                        {
                            Value = JsonSerializer.Serialize(r.Attachments, EventTypeRegistry.Json),
                            NpgsqlDbType = NpgsqlDbType.Jsonb,
                        },
                        r.Visibility,
                        r.Actor.Name,
                        r.RecordedAt,
                        r.InReplyTo,
                        r.Actor.Kind == ActorKinds.Rule
                    );
                    if (r.Survey is not null)
                    {
                        writer.Execute(
                            "update conversations set survey_kind = $2, survey_requested_at = $3 where id = $1",
                            conversationId,
                            r.Survey,
                            r.RecordedAt
                        );
                    }

                    break;
                case ReplyFailed f:
                    writer.Execute(
                        "update replies set status = 'failed', failed_at = $2, error = $3, platform_message_id = "
                            + "coalesce($4, platform_message_id) where id = $1",
                        f.ReplyId,
                        f.OccurredAt,
                        new Npgsql.NpgsqlParameter
                        {
                            Value = JsonSerializer.Serialize(f.Error, EventTypeRegistry.Json),
                            NpgsqlDbType = NpgsqlDbType.Jsonb,
                        },
                        f.PlatformMessageId
                    );
                    break;
                case ReplyProgress p:
                    // read implies delivered, delivered implies sent: fill the earlier times that were never reported.
                    var status = EventTypeRegistry.NameOf(p)["reply.".Length..];
                    writer.Execute(
                        """
                        update replies set status = $2, platform_message_id = coalesce($3, platform_message_id),
                            sent_at = coalesce(sent_at, $4),
                            delivered_at = case when $2 in ('delivered', 'read') then coalesce(delivered_at, $4) else
                                delivered_at end,
                            read_at = case when $2 = 'read' then $4 else read_at end
                        where id = $1
                        """,
                        p.ReplyId,
                        status,
                        p.PlatformMessageId,
                        p.OccurredAt
                    );
                    break;
                case ConversationResolved r:
                    writer.Execute(
                        "update conversations set status = 'resolved', resolved_at = $2 where id = $1",
                        conversationId,
                        r.ResolvedAt
                    );
                    break;
                case ConversationReopened reopened:
                    Reopened(writer, conversationId, reopened.RecordedAt);
                    break;
                case ConversationFeedbackReceived f:
                    FeedbackReceived(writer, conversationId, f);
                    break;
            }
        }

        if (activity)
        {
            writer.Execute(
                "update conversations set version = version + $2, last_activity_at = $3 where id = $1",
                conversationId,
                (long)events.Count,
                now
            );
        }
        else
        {
            writer.Execute(
                "update conversations set version = version + $2 where id = $1",
                conversationId,
                (long)events.Count
            );
        }
    }
}
