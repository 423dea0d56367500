using System.Security.Claims;
using Npgsql;
using SocialCare.Api.Authorization;
using SocialCare.Api.EventLog;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Api.Infrastructure.Validation;
using SocialCare.Contracts;

namespace SocialCare.Api.Conversations;

/// <summary>
/// Replies to the customer. The hub records the request (reply.requested, 202); the channel's connector sends it
/// and reports progress through <c>POST /v1/replies/{replyId}/status</c>, each step an event everyone sees.
/// </summary>
public static class RepliesApi
{
    public static RouteGroupBuilder MapReplies(this RouteGroupBuilder v1)
    {
        v1.MapPost("/conversations/{id:guid}/replies", (Guid id, ReplyRequest request, HttpContext http, CommandRunner runner) =>
                runner.RunAsync(http, id, request,
                    (writer, state) => LoadTargetAsync(writer, state, request.ChannelId ?? state.CurrentChannelId, http.User, http.RequestAborted),
                    (state, target, actor, now) => ConversationDecisions.Reply(state, target, actor,
                        new ReplyDraft(request.Text, request.Attachments?.Select(a => new Attachment(a.Url, a.MediaType, a.SizeBytes)).ToList() ?? [],
                            request.Visibility, request.Force ?? false,
                            request.Template is { } t ? new ReplyTemplate(t.Name, t.Language, t.Parameters ?? []) : null), now),
                    accepted: true))
            .WithTags("Conversation actions").WithName("ReplyToConversation").RequireScope(Scopes.ConversationsWrite)
            .WithSummary("Answer the customer, optionally on another channel account (a hand-off). 202 with the replyId; progress arrives as reply.* events.")
            .Validate<ReplyRequest>();

        v1.MapPost("/replies/{replyId:guid}/status", async (Guid replyId, ReplyStatusRequest request, HttpContext http, CommandRunner runner, NpgsqlDataSource dataSource, TimeProvider clock) =>
            {
                await using var find = dataSource.CreateCommand("select conversation_id from replies where workspace_id = $1 and id = $2");
                find.Parameters.Add(new NpgsqlParameter { Value = http.User.RequiredWorkspaceId() });
                find.Parameters.Add(new NpgsqlParameter { Value = replyId });
                if (await find.ExecuteScalarAsync(http.RequestAborted) is not Guid conversationId)
                {
                    return Problem.NotFound("The reply");
                }

                return await runner.RunAsync(http, conversationId, request,
                    (writer, _) => LoadReplyAsync(writer, replyId, http.RequestAborted),
                    (_, reply, _, now) => ConversationDecisions.ReplyStatus(reply, request.Status, request.PlatformMessageId,
                        request.Error is { } e ? new PlatformError(e.Code, e.Message) : null, (request.OccurredAt ?? now).ToUniversalTime()),
                    accepted: false);
            })
            .WithTags("Conversation actions").WithName("ReportReplyStatus").RequireScope(Scopes.RepliesReport)
            .WithSummary("For a channel's connector (scope replies:report): report that a reply was sent, delivered, read or failed. Late or repeated reports change nothing.")
            .Validate<ReplyStatusRequest>();
        return v1;
    }

    private static async Task<ReplyTarget?> LoadTargetAsync(EventWriter writer, ConversationState state, Guid channelId, ClaimsPrincipal user, CancellationToken ct)
    {
        var rows = await writer.QueryAsync("""
            select ch.id, ch.type, ch.brand,
                   (select i.platform_user_id from customer_identities i
                    where i.workspace_id = $1 and i.customer_id = $3 and i.channel_type = ch.type order by i.created_at limit 1),
                   coalesce((select e.visibility from engagements e where e.conversation_id = $4 and e.channel_id = ch.id
                             order by e.occurred_at desc limit 1), 'private'),
                   (select max(e.occurred_at) from engagements e where e.conversation_id = $4 and e.channel_id = ch.id),
                   (select e.platform_message_id from engagements e where e.conversation_id = $4 and e.channel_id = ch.id and e.visibility = 'public'
                    order by e.occurred_at desc limit 1)
            from channels ch where ch.workspace_id = $1 and ch.id = $2 and ch.deleted_at is null
            """, r => (Target: new ReplyTarget(r.GetGuid(0), r.GetString(1), r.IsDBNull(3) ? null : r.GetString(3), r.GetString(4),
                r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5), r.IsDBNull(6) ? null : r.GetString(6)), Brand: r.GetString(2)),
            ct, state.WorkspaceId, channelId, state.CustomerId, state.Id);
        return rows.SingleOrDefault() is { Target: not null } row && user.MayActOnBrand(row.Brand) ? row.Target : null;
    }

    private static async Task<ReplyState> LoadReplyAsync(EventWriter writer, Guid replyId, CancellationToken ct) =>
        (await writer.QueryAsync("select id, channel_id, status, platform_message_id from replies where id = $1",
            r => new ReplyState(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3)), ct, replyId)).Single();
}
