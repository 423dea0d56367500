using System.Security.Claims;
using Npgsql;
using SocialCare.Api.Authorization;
using SocialCare.Api.EventLog;

namespace SocialCare.Api.Conversations;

/// <summary>What a reply command reads: where a reply can go (channel, recipient, the post it answers), and a reply's
/// state.</summary>
internal static class ReplyQueries
{
    /// <summary>The conversation a reply of the workspace belongs to, or null when there is no such reply.</summary>
    public static async Task<Guid?> ConversationOfAsync(
        NpgsqlDataSource dataSource,
        Guid workspaceId,
        Guid replyId,
        CancellationToken ct
    )
    {
        await using var find = dataSource.CreateCommand(
            "select conversation_id from replies where workspace_id = $1 and id = $2"
        );
        find.Parameters.Add(new NpgsqlParameter { Value = workspaceId });
        find.Parameters.Add(new NpgsqlParameter { Value = replyId });
        return await find.ExecuteScalarAsync(ct) as Guid?;
    }

    public static async Task<ReplyTarget?> TargetAsync(
        EventWriter writer,
        ConversationState state,
        Guid channelId,
        ClaimsPrincipal user,
        CancellationToken ct
    )
    {
        var rows = await writer.QueryAsync(
            """
            select ch.id, ch.type, ch.brand,
                   (select i.platform_user_id from customer_identities i
                    where i.workspace_id = $1 and i.customer_id = $3 and i.channel_type = ch.type order by i.created_at
                        limit 1),
                   coalesce((select e.visibility from engagements e where e.conversation_id = $4 and e.channel_id =
                       ch.id
                             order by e.occurred_at desc limit 1), 'private'),
                   (select max(e.occurred_at) from engagements e where e.conversation_id = $4 and e.channel_id = ch.id),
                   (select e.platform_message_id from engagements e where e.conversation_id = $4 and e.channel_id =
                       ch.id and e.visibility = 'public'
                    order by e.occurred_at desc limit 1)
            from channels ch where ch.workspace_id = $1 and ch.id = $2 and ch.deleted_at is null
            """,
            r =>
                (
                    Target: new ReplyTarget(
                        r.GetGuid(0),
                        r.GetString(1),
                        r.IsDBNull(3) ? null : r.GetString(3),
                        r.GetString(4),
                        r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5),
                        r.IsDBNull(6) ? null : r.GetString(6)
                    ),
                    Brand: r.GetString(2)
                ),
            ct,
            state.WorkspaceId,
            channelId,
            state.CustomerId,
            state.Id
        );
        return rows.SingleOrDefault() is { Target: not null } row && user.MayActOnBrand(row.Brand) ? row.Target : null;
    }

    public static async Task<ReplyState> ReplyAsync(EventWriter writer, Guid replyId, CancellationToken ct) =>
        (
            await writer.QueryAsync(
                "select id, channel_id, status, platform_message_id from replies where id = $1",
                r => new ReplyState(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3)),
                ct,
                replyId
            )
        ).Single();
}
