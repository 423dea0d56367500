using System.Text.Json.Nodes;
using SocialCare.Api.EventLog;

namespace SocialCare.Api.Privacy;

/// <summary>
/// Removing personal data where the hub keeps it, in the event writer's transaction: what erasure and retention share.
/// Events are rewritten with the fields null (<see cref="EventRedaction"/>, the <c>none</c> view), and so are their
/// stored webhook payloads; what endpoints answered to those payloads is dropped (an endpoint may echo what it was
/// sent).
/// </summary>
internal static class PiiRewrite
{
    /// <summary>The events of <paramref name="streams"/> with personal fields that <paramref name="which"/> picks (by
    /// type and body), rewritten with those fields — those <paramref name="field"/> accepts — null; the ids of them
    /// all (a subscriber may hold one that retention had already emptied in the hub).</summary>
    public static async Task<Guid[]> EventsAsync(
        EventWriter writer,
        Guid workspaceId,
        Guid[] streams,
        Func<string, JsonObject, bool> which,
        Func<string, bool>? field,
        CancellationToken ct
    )
    {
        var rows = await writer.QueryAsync(
            "select seq_id, id, type, data::text from mt_events where tenant_id = $1 and stream_id = any($2)",
            r => (Seq: r.GetInt64(0), Id: r.GetGuid(1), Type: r.GetString(2), Data: r.GetString(3)),
            ct,
            MartenEventStore.TenantOf(workspaceId),
            streams
        );
        var changed = new List<(long Seq, Guid Id, string Data)>();
        var picked = new List<Guid>();
        foreach (var row in rows)
        {
            if (!EventTypeRegistry.TryGetType(row.Type, out var contract) || !EventRedaction.HasPii(contract))
            {
                continue;
            }

            var data = JsonNode.Parse(row.Data)!.AsObject();
            if (!which(row.Type, data))
            {
                continue;
            }

            picked.Add(row.Id);
            var before = data.ToJsonString(EventTypeRegistry.Json);
            EventRedaction.Apply(data, contract, PiiView.Nothing, field);
            var after = data.ToJsonString(EventTypeRegistry.Json);
            if (after != before)
            {
                changed.Add((row.Seq, row.Id, after));
            }
        }

        if (changed.Count > 0)
        {
            writer.Execute(
                """
                update mt_events e set data = x.data::jsonb
                from unnest($2::bigint[], $3::text[]) as x(seq, data)
                where e.tenant_id = $1 and e.seq_id = x.seq
                """,
                MartenEventStore.TenantOf(workspaceId),
                changed.Select(e => e.Seq).ToArray(),
                changed.Select(e => e.Data).ToArray()
            );
        }

        var ids = picked.ToArray();
        await PayloadsAsync(writer, ids, field, ct);
        return ids;
    }

    private static async Task PayloadsAsync(
        EventWriter writer,
        Guid[] events,
        Func<string, bool>? field,
        CancellationToken ct
    )
    {
        if (events.Length == 0)
        {
            return;
        }

        var payloads = await writer.QueryAsync(
            "select event_id, payload from webhook_payloads where event_id = any($1)",
            r => (Id: r.GetGuid(0), Payload: r.GetString(1)),
            ct,
            (object)events
        );
        if (payloads.Count > 0)
        {
            writer.Execute(
                """
                update webhook_payloads p set payload = x.payload
                from unnest($1::uuid[], $2::text[]) as x(id, payload) where p.event_id = x.id
                """,
                payloads.Select(p => p.Id).ToArray(),
                payloads.Select(p => EventRedaction.Erase(p.Payload, field)).ToArray()
            );
        }

        writer.Execute(
            """
            update webhook_attempts set response_body = null
            where delivery_id in (select id from webhook_deliveries where event_id = any($1))
              and response_body is not null
            """,
            (object)events
        );
        // A dead letter keeps a queue message as it was received, the event with it: the body goes, and a redrive
        // sends the event as the log now holds it (DeadLetterRedrive).
        writer.Execute(
            "update dead_letters set body = null where event_id = any($1) and body is not null",
            (object)events
        );
    }

    /// <summary>Every personal field of the conversations' read models: engagements, replies, thread keys, personal
    /// context values, feedback comments.</summary>
    public static void Conversations(EventWriter writer, Guid workspaceId, Guid[] conversations)
    {
        writer.Execute(
            "delete from conversation_threads where workspace_id = $1 and conversation_id = any($2)",
            workspaceId,
            conversations
        );
        writer.Execute(
            """
            update engagements set thread_key = null, text = null, attachments = '[]', metadata = null,
                author = '{"platformUserId": null, "displayName": null, "handle": null}'
            where workspace_id = $1 and conversation_id = any($2)
            """,
            workspaceId,
            conversations
        );
        writer.Execute(
            """
            update replies set recipient = null, text = null, attachments = '[]', error = null
            where workspace_id = $1 and conversation_id = any($2)
            """,
            workspaceId,
            conversations
        );
        writer.Execute("delete from conversation_context where personal and conversation_id = any($1)", conversations);
        writer.Execute(
            "update conversation_feedback set comment = null where conversation_id = any($1)",
            conversations
        );
    }
}
