using Npgsql;
using SocialCare.Api.Authorization;
using SocialCare.Api.Idempotency;
using SocialCare.Api.Infrastructure.OpenApi;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Api.Infrastructure.Validation;
using SocialCare.Contracts;

namespace SocialCare.Api.Conversations;

/// <summary>
/// Replies to the customer. The hub records the request (reply.requested, 202); the channel's connector sends it and
/// reports progress through <c>POST /v1/replies/{replyId}/status</c>, each step an event everyone sees.
/// </summary>
public static class RepliesApi
{
    public static RouteGroupBuilder MapReplies(this RouteGroupBuilder v1)
    {
        v1.MapPost(
                "/conversations/{id:guid}/replies",
                (Guid id, ReplyRequest request, HttpContext http, CommandRunner runner) =>
                    runner.RunAsync(
                        http,
                        id,
                        request,
                        (writer, state) =>
                            ReplyQueries.TargetAsync(
                                writer,
                                state,
                                request.ChannelId ?? state.CurrentChannelId,
                                http.User,
                                http.RequestAborted
                            ),
                        (state, target, actor, now) =>
                            ConversationDecisions.Reply(
                                state,
                                target,
                                actor,
                                new ReplyDraft(
                                    request.Text,
                                    request
                                        .Attachments?.Select(a => new Attachment(a.Url, a.MediaType, a.SizeBytes))
                                        .ToList()
                                        ?? [],
                                    request.Visibility,
                                    request.Force ?? false,
                                    request.Template is { } t
                                        ? new ReplyTemplate(t.Name, t.Language, t.Parameters ?? [])
                                        : null
                                ),
                                now
                            ),
                        accepted: true
                    )
            )
            .WithTags("Conversation actions")
            .WithName("ReplyToConversation")
            .RequireScope(Scopes.ConversationsWrite)
            .Idempotent()
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithMetadata(IfMatchMetadata.Conversation)
            .WithSummary(
                "Answer the customer, optionally on another channel account (a hand-off). 202 with the replyId; "
                    + "progress arrives as reply.* events."
            )
            .Validate<ReplyRequest>();

        v1.MapPost(
                "/replies/{replyId:guid}/status",
                async (
                    Guid replyId,
                    ReplyStatusRequest request,
                    HttpContext http,
                    CommandRunner runner,
                    NpgsqlDataSource dataSource
                ) =>
                {
                    if (
                        await ReplyQueries.ConversationOfAsync(
                            dataSource,
                            http.User.RequiredWorkspaceId(),
                            replyId,
                            http.RequestAborted
                        )
                        is not { } conversationId
                    )
                    {
                        return Problem.NotFound("The reply");
                    }

                    return await runner.RunAsync(
                        http,
                        conversationId,
                        request,
                        (writer, _) => ReplyQueries.ReplyAsync(writer, replyId, http.RequestAborted),
                        (_, reply, _, now) =>
                            ConversationDecisions.ReplyStatus(
                                reply,
                                request.Status,
                                request.PlatformMessageId,
                                request.Error is { } e ? new PlatformError(e.Code, e.Message) : null,
                                (request.OccurredAt ?? now).ToUniversalTime()
                            ),
                        accepted: false
                    );
                }
            )
            .WithTags("Conversation actions")
            .WithName("ReportReplyStatus")
            .RequireScope(Scopes.RepliesReport)
            .Idempotent()
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithMetadata(IfMatchMetadata.Conversation)
            .WithSummary(
                "For a channel's connector (scope replies:report): report that a reply was sent, delivered, read "
                    + "or failed. Late or repeated reports change nothing."
            )
            .Validate<ReplyStatusRequest>();
        return v1;
    }
}
