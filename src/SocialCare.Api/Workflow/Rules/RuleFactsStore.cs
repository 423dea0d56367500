using System.Text.Json;
using SocialCare.Api.EventLog;
using SocialCare.Contracts;

namespace SocialCare.Api.Workflow.Rules;

/// <summary>Reads what rule conditions and replies look at, beyond the conversation's own state, for many
/// conversations in one query each.</summary>
public static class RuleFactsStore
{
    /// <summary>The departments' context values of each conversation, by namespace and key.</summary>
    public static async Task<
        Dictionary<Guid, IReadOnlyDictionary<string, IReadOnlyDictionary<string, JsonElement>>>
    > ContextAsync(EventWriter writer, IReadOnlyCollection<Guid> conversations, CancellationToken ct)
    {
        var rows = await writer.QueryAsync(
            "select conversation_id, namespace, key, value::text from conversation_context where conversation_id = any($1) "
                + "and not personal",
            r => (Conversation: r.GetGuid(0), Namespace: r.GetString(1), Key: r.GetString(2), Value: r.GetString(3)),
            ct,
            conversations.ToArray()
        );
        return rows.GroupBy(r => r.Conversation)
            .ToDictionary(
                c => c.Key,
                c =>
                    (IReadOnlyDictionary<string, IReadOnlyDictionary<string, JsonElement>>)
                        c.GroupBy(r => r.Namespace, StringComparer.Ordinal)
                            .ToDictionary(
                                n => n.Key,
                                n =>
                                    (IReadOnlyDictionary<string, JsonElement>)
                                        n.ToDictionary(
                                            r => r.Key,
                                            r => JsonSerializer.Deserialize<JsonElement>(r.Value),
                                            StringComparer.Ordinal
                                        ),
                                StringComparer.Ordinal
                            )
            );
    }

    /// <summary>Each conversation's latest engagement, and its customer's name: what a trigger that is not itself an
    /// engagement looks at.</summary>
    public static async Task<Dictionary<Guid, (EngagementFacts? Engagement, string? CustomerName)>> LatestAsync(
        EventWriter writer,
        IReadOnlyCollection<Guid> conversations,
        CancellationToken ct
    )
    {
        var rows = await writer.QueryAsync(
            """
            select c.id, cu.display_name, e.channel_id, ch.type, e.visibility, e.language, e.text, e.author::text,
                e.metadata::text
            from conversations c join customers cu on cu.id = c.customer_id
            left join lateral (select * from engagements e where e.conversation_id = c.id
                order by e.received_at desc, e.id desc limit 1) e on true
            left join channels ch on ch.id = e.channel_id
            where c.id = any($1)
            """,
            r =>
                (
                    Conversation: r.GetGuid(0),
                    Name: r.IsDBNull(1) ? null : r.GetString(1),
                    Engagement: r.IsDBNull(2)
                        ? null
                        : new EngagementFacts(
                            r.GetGuid(2),
                            r.GetString(3),
                            r.GetString(4),
                            r.IsDBNull(5) ? null : r.GetString(5),
                            r.IsDBNull(6) ? null : r.GetString(6),
                            JsonSerializer.Deserialize<EngagementAuthor>(r.GetString(7), EventTypeRegistry.Json)!,
                            r.IsDBNull(8) ? null : JsonSerializer.Deserialize<JsonElement>(r.GetString(8))
                        )
                ),
            ct,
            conversations.ToArray()
        );
        return rows.ToDictionary(r => r.Conversation, r => (r.Engagement, r.Name));
    }

    /// <summary>The facts of an engagement as its event carries them.</summary>
    public static EngagementFacts Of(EngagementReceived e) =>
        new(e.ChannelId, e.ChannelType, e.Visibility, e.Language, e.Text, e.Author, e.Metadata);
}
