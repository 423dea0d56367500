using System.Text.Json;
using NpgsqlTypes;
using SocialCare.Api.EventLog;
using SocialCare.Contracts;

namespace SocialCare.Api.Conversations;

/// <summary>Keeps the conversation read model in step with its events, in the transaction that appends them.</summary>
public static class ConversationProjection
{
    public static void Apply(EventWriter writer, Guid conversationId, IReadOnlyList<HubEvent> events, DateTimeOffset now)
    {
        foreach (var e in events)
        {
            switch (e)
            {
                case ConversationAcknowledged a:
                    writer.Execute("update conversations set acknowledged_at = $2 where id = $1", conversationId, a.AcknowledgedAt);
                    break;
                case ConversationAssigned a:
                    writer.Execute("update conversations set assigned_team = $2, assigned_agent = $3 where id = $1",
                        conversationId, a.Team, a.Agent);
                    break;
                case ConversationTagged t:
                    writer.Execute("update conversations set tags = $2 where id = $1", conversationId, t.Tags.ToArray());
                    break;
                case ConversationPriorityChanged p:
                    writer.Execute("update conversations set priority = $2, priority_reason = $3 where id = $1", conversationId, p.Level, p.Reason);
                    break;
                case ConversationLinked l:
                    writer.Execute("""
                        insert into conversation_links (conversation_id, workspace_id, system, record_type, record_id, url, linked_by, linked_at)
                        values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing
                        """, conversationId, l.WorkspaceId, l.System, l.RecordType, l.RecordId, l.Url, l.Actor.Name, l.RecordedAt);
                    break;
                case ConversationContextUpdated c:
                    foreach (var (key, value) in c.Values)
                    {
                        if (value.ValueKind == JsonValueKind.Null)
                        {
                            writer.Execute("delete from conversation_context where conversation_id = $1 and namespace = $2 and key = $3",
                                conversationId, c.Namespace, key);
                        }
                        else
                        {
                            writer.Execute("""
                                insert into conversation_context (conversation_id, namespace, key, value, updated_at) values ($1, $2, $3, $4, $5)
                                on conflict (conversation_id, namespace, key) do update set value = excluded.value, updated_at = excluded.updated_at
                                """, conversationId, c.Namespace, key,
                                new Npgsql.NpgsqlParameter { Value = value.GetRawText(), NpgsqlDbType = NpgsqlDbType.Jsonb }, c.RecordedAt);
                        }
                    }

                    break;
                case ConversationClaimed c:
                    writer.Execute("update conversations set claim_key_id = $2, claim_app = $3, claim_person = $4, claim_expires_at = $5 where id = $1",
                        conversationId, c.Actor.KeyId, c.App, c.Person, c.ExpiresAt);
                    break;
                case ConversationReleased:
                    writer.Execute("update conversations set claim_key_id = null, claim_app = null, claim_person = null, claim_expires_at = null where id = $1",
                        conversationId);
                    break;
                case ConversationChannelChanged c:
                    writer.Execute("""
                        update conversations set current_channel_id = $2,
                            channel_ids = case when $2 = any(channel_ids) then channel_ids else channel_ids || $2 end,
                            channel_types = case when $3 = any(channel_types) then channel_types else channel_types || $3 end
                        where id = $1
                        """, conversationId, c.ToChannelId, c.ToChannelType);
                    break;
                case ReplyRequested r:
                    writer.Execute("""
                        insert into replies (id, workspace_id, conversation_id, channel_id, recipient, text, attachments, visibility, status, requested_by, requested_at, in_reply_to)
                        values ($1, $2, $3, $4, $5, $6, $7, $8, 'requested', $9, $10, $11)
                        """, r.ReplyId, r.WorkspaceId, conversationId, r.ChannelId, r.Recipient, r.Text,
                        new Npgsql.NpgsqlParameter { Value = JsonSerializer.Serialize(r.Attachments, EventTypeRegistry.Json), NpgsqlDbType = NpgsqlDbType.Jsonb },
                        r.Visibility, r.Actor.Name, r.RecordedAt, r.InReplyTo);
                    break;
                case ReplyFailed f:
                    writer.Execute("update replies set status = 'failed', failed_at = $2, error = $3, platform_message_id = coalesce($4, platform_message_id) where id = $1",
                        f.ReplyId, f.OccurredAt,
                        new Npgsql.NpgsqlParameter { Value = JsonSerializer.Serialize(f.Error, EventTypeRegistry.Json), NpgsqlDbType = NpgsqlDbType.Jsonb }, f.PlatformMessageId);
                    break;
                case ReplyProgress p:
                    // read implies delivered, delivered implies sent: fill the earlier times that were never reported.
                    var status = EventTypeRegistry.NameOf(p)["reply.".Length..];
                    writer.Execute("""
                        update replies set status = $2, platform_message_id = coalesce($3, platform_message_id),
                            sent_at = coalesce(sent_at, $4),
                            delivered_at = case when $2 in ('delivered', 'read') then coalesce(delivered_at, $4) else delivered_at end,
                            read_at = case when $2 = 'read' then $4 else read_at end
                        where id = $1
                        """, p.ReplyId, status, p.PlatformMessageId, p.OccurredAt);
                    break;
                case ConversationResolved r:
                    writer.Execute("update conversations set status = 'resolved', resolved_at = $2 where id = $1", conversationId, r.ResolvedAt);
                    break;
                case ConversationReopened:
                    writer.Execute("update conversations set status = 'open', resolved_at = null where id = $1", conversationId);
                    break;
            }
        }

        writer.Execute("update conversations set version = version + $2, last_activity_at = $3 where id = $1",
            conversationId, (long)events.Count, now);
    }
}
