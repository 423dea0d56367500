using Microsoft.Extensions.Options;
using SocialCare.Api.Authorization;
using SocialCare.Api.Idempotency;
using SocialCare.Api.Infrastructure.OpenApi;
using SocialCare.Api.Infrastructure.Validation;
using SocialCare.Api.Workflow.Teams;

namespace SocialCare.Api.Conversations;

/// <summary>
/// What departments do to a conversation. Each command is a POST that answers the new version as ETag, honours If-Match
/// (412 when stale) and Idempotency-Key, and becomes an event every other app sees.
/// </summary>
public static class ConversationCommandsApi
{
    public static RouteGroupBuilder MapConversationCommands(this RouteGroupBuilder v1)
    {
        var commands = v1.MapGroup("/conversations/{id:guid}")
            .WithTags("Conversation actions")
            .RequireScope(Scopes.ConversationsWrite)
            .Idempotent()
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithMetadata(IfMatchMetadata.Conversation);

        commands
            .MapPost(
                "/acknowledge",
                (Guid id, AcknowledgeRequest? request, HttpContext http, CommandRunner runner) =>
                    runner.RunAsync(http, id, request, (s, _, now) => ConversationDecisions.Acknowledge(s, now))
            )
            .WithName("AcknowledgeConversation")
            .WithSummary("Step one of acknowledge-then-resolve: tell the customer someone is on it (once).");

        commands
            .MapPost(
                "/feedback",
                (Guid id, FeedbackRequest request, HttpContext http, CommandRunner runner) =>
                    runner.RunAsync(
                        http,
                        id,
                        request,
                        async (writer, s) =>
                            request.ChannelId is { } channel
                            && (
                                await writer.QueryAsync(
                                    """
                                    select exists(select 1 from channels where workspace_id = $1 and id = $2
                                        and deleted_at is null and ($3::text[] is null or brand = any($3)))
                                    """,
                                    r => r.GetBoolean(0),
                                    http.RequestAborted,
                                    s.WorkspaceId,
                                    channel,
                                    new Npgsql.NpgsqlParameter<string[]?> { TypedValue = http.User.Brands()?.ToArray() }
                                )
                            )[0],
                        (s, channelKnown, _, now) => ConversationDecisions.Feedback(s, request, channelKnown, now),
                        accepted: false
                    )
            )
            .WithName("RecordConversationFeedback")
            .WithSummary(
                "Record the customer's answer to a CSAT (1–5), NES (1–7), CES (1–7) or NPS (0–10) survey about the "
                    + "conversation, resolved or not."
            )
            .Validate<FeedbackRequest>();

        commands
            .MapPost(
                "/assign",
                (Guid id, AssignRequest request, HttpContext http, CommandRunner runner) =>
                    runner.RunAsync(
                        http,
                        id,
                        request,
                        async (writer, s) =>
                            string.IsNullOrWhiteSpace(request.Team)
                                ? TeamMatch.None
                                : await TeamStore.ForAssignmentAsync(
                                    writer,
                                    s.WorkspaceId,
                                    request.Team.Trim(),
                                    http.RequestAborted
                                ),
                        (s, teams, _, _) => ConversationDecisions.Assign(s, request.Team, request.Agent, teams),
                        accepted: false
                    )
            )
            .WithName("AssignConversation")
            .WithSummary(
                "Assign to a team and/or agent; both empty unassigns. Once the workspace has teams, the team is one of "
                    + "them that takes the conversation's brand (422 unknown-team otherwise)."
            )
            .Validate<AssignRequest>();

        commands
            .MapPost(
                "/tags",
                (Guid id, TagsRequest request, HttpContext http, CommandRunner runner) =>
                    runner.RunAsync(
                        http,
                        id,
                        request,
                        (s, _, _) => ConversationDecisions.Tag(s, request.Add, request.Remove)
                    )
            )
            .WithName("TagConversation")
            .WithSummary("Add and/or remove tags (lower-cased, spaces become dashes).")
            .Validate<TagsRequest>();

        commands
            .MapPost(
                "/notes",
                (Guid id, NoteRequest request, HttpContext http, CommandRunner runner) =>
                    runner.RunAsync(http, id, request, (_, _, _) => ConversationDecisions.Note(request.Text.Trim()))
            )
            .WithName("AddConversationNote")
            .WithSummary("An internal note for every department; never sent to the customer.")
            .Validate<NoteRequest>();

        commands
            .MapPost(
                "/priority",
                (Guid id, PriorityRequest request, HttpContext http, CommandRunner runner) =>
                    runner.RunAsync(
                        http,
                        id,
                        request,
                        (s, _, _) => ConversationDecisions.Prioritise(s, request.Level, request.Reason)
                    )
            )
            .WithName("PrioritiseConversation")
            .WithSummary("Set the priority: low, normal, high or urgent, with a reason.")
            .Validate<PriorityRequest>();

        commands
            .MapPost(
                "/links",
                (Guid id, LinkRequest request, HttpContext http, CommandRunner runner) =>
                    runner.RunAsync(
                        http,
                        id,
                        request,
                        (s, _, _) =>
                            ConversationDecisions.Link(
                                s,
                                request.System,
                                request.RecordType,
                                request.RecordId,
                                request.Url
                            )
                    )
            )
            .WithName("LinkConversation")
            .WithSummary("Hang a record of another system on the conversation (billing invoice, CRM case, order).")
            .Validate<LinkRequest>();

        commands
            .MapPost(
                "/context",
                (Guid id, ContextRequest request, HttpContext http, CommandRunner runner) =>
                    runner.RunAsync(
                        http,
                        id,
                        request,
                        (_, actor, _) =>
                            ConversationDecisions.UpdateContext(
                                actor.Name ?? "app",
                                request.Values,
                                request.PersonalValues
                            )
                    )
            )
            .WithName("UpdateConversationContext")
            .WithSummary(
                "Your department's facts about the customer here (e.g. lifetimeValue, segment), kept under your "
                    + "app's name; null removes a key. Values that are the customer's personal data go in "
                    + "personalValues: redacted for readers without pii:read, erased with the customer."
            )
            .Validate<ContextRequest>();

        commands
            .MapPost(
                "/resolve",
                (Guid id, ResolveRequest? request, HttpContext http, CommandRunner runner) =>
                    runner.RunAsync(
                        http,
                        id,
                        request,
                        (s, actor, now) =>
                            ConversationDecisions.Resolve(s, actor, request?.Reason, request?.Force ?? false, now)
                    )
            )
            .WithName("ResolveConversation")
            .WithSummary(
                "Step two: the issue is resolved. Resolving twice is a 409; so is resolving while another app "
                    + "holds the claim, unless force (recorded)."
            )
            .ValidateIfPresent<ResolveRequest>();

        commands
            .MapPost(
                "/claim",
                (
                    Guid id,
                    ClaimRequest? request,
                    HttpContext http,
                    CommandRunner runner,
                    IOptions<ConversationOptions> options
                ) =>
                    runner.RunAsync(
                        http,
                        id,
                        request,
                        (s, actor, now) =>
                            ConversationDecisions.Claim(
                                s,
                                actor,
                                request?.TtlSeconds is { } ttl ? TimeSpan.FromSeconds(ttl) : options.Value.ClaimTtl,
                                now
                            )
                    )
            )
            .WithName("ClaimConversation")
            .WithSummary(
                "Take the conversation so no other department answers the customer at the same time; claim again "
                    + "to renew."
            )
            .ValidateIfPresent<ClaimRequest>();

        commands
            .MapPost(
                "/release",
                (Guid id, ReleaseRequest? request, HttpContext http, CommandRunner runner) =>
                    runner.RunAsync(http, id, request, (s, actor, now) => ConversationDecisions.Release(s, actor, now))
            )
            .WithName("ReleaseConversation")
            .WithSummary("Give up your claim.");

        commands
            .MapPost(
                "/reopen",
                (Guid id, ReopenRequest? request, HttpContext http, CommandRunner runner) =>
                    runner.RunAsync(http, id, request, (s, _, _) => ConversationDecisions.Reopen(s))
            )
            .WithName("ReopenConversation")
            .WithSummary("Reopen a resolved conversation. Reopening an open one is a 409.");
        return v1;
    }
}
