using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SocialCare.Api.Authorization;
using SocialCare.Api.EventLog;
using SocialCare.Api.Idempotency;
using SocialCare.Api.Infrastructure;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Contracts;

namespace SocialCare.Api.Conversations;

public sealed record EventRef(Guid Id, string Type);

/// <summary>
/// What a conversation command answers: the conversation's version after it (also the ETag), the events it caused and,
/// for a reply, the reply's id.
/// </summary>
public sealed record CommandResult(
    Guid ConversationId,
    long Version,
    IReadOnlyList<EventRef> Events,
    Guid? ReplyId = null
);

/// <summary>
/// Runs a conversation command: honours <c>If-Match</c> (412 on a stale version), loads the state under a row lock,
/// decides, appends and projects, in one transaction. <c>Idempotency-Key</c> is the idempotency module's (<see
/// cref="IdempotentPostExtensions.Idempotent(RouteGroupBuilder)"/>): the command then runs in the key's transaction,
/// and its answer is recorded with the commit.
/// </summary>
public sealed class CommandRunner(EventStore store, TimeProvider clock)
{
    public Task<Results<Ok<CommandResult>, Accepted<CommandResult>, ProblemHttpResult>> RunAsync<TRequest>(
        HttpContext http,
        Guid conversationId,
        TRequest? request,
        Func<ConversationState, EventActor, DateTimeOffset, Decision> decide
    ) =>
        RunAsync(
            http,
            conversationId,
            request,
            (_, _) => Task.FromResult(0),
            (state, _, actor, now) => decide(state, actor, now),
            accepted: false
        );

    /// <summary>
    /// The general form: <paramref name="load"/> reads whatever else the decision needs (a reply, a target channel)
    /// inside the transaction, after the conversation row is locked, so the decision sees a stable state. <paramref
    /// name="accepted"/> answers 202 instead of 200 (work continues after the response, e.g. sending a reply).
    /// </summary>
    public async Task<Results<Ok<CommandResult>, Accepted<CommandResult>, ProblemHttpResult>> RunAsync<
        TRequest,
        TExtra
    >(
        HttpContext http,
        Guid conversationId,
        TRequest? request,
        Func<EventWriter, ConversationState, Task<TExtra>> load,
        Func<ConversationState, TExtra, EventActor, DateTimeOffset, Decision> decide,
        bool accepted
    )
    {
        var ct = http.RequestAborted;
        var user = http.User;
        var workspaceId = user.RequiredWorkspaceId();
        if (!Preconditions.TryReadIfMatch(http, out var expected))
        {
            return Problem.Of(
                StatusCodes.Status400BadRequest,
                ProblemCodes.BadRequest,
                "Invalid If-Match",
                "If-Match must be the conversation's ETag, e.g. \"7\"."
            );
        }

        var actor = Actors.FromRequest(http);
        Outcome outcome;
        try
        {
            outcome = await store.WriteAsync(
                async writer =>
                {
                    var state = await LoadAsync(writer, workspaceId, conversationId, ct);
                    if (state is null || !user.MayActOnBrand(state.Brand))
                    {
                        return new Outcome(null, Problem.NotFound("The conversation"));
                    }

                    if (expected is { } version && version != state.Version)
                    {
                        return new Outcome(
                            null,
                            Problem.Of(
                                StatusCodes.Status412PreconditionFailed,
                                ProblemCodes.PreconditionFailed,
                                "The conversation has changed",
                                $"If-Match names version {version}, but the conversation is at version {state.Version}."
                            )
                        );
                    }

                    var extra = await load(writer, state);
                    var now = clock.GetUtcNow();
                    var decision = decide(state, extra, actor, now);
                    if (decision.Rejected is { } no)
                    {
                        return new Outcome(null, Problem.Rejected(no, "The command is not allowed now"));
                    }

                    var events = Commit(writer, state, decision.Events, actor, now);

                    var result = new CommandResult(
                        conversationId,
                        state.Version + events.Count,
                        events.Select(e => new EventRef(e.EventId, EventTypeRegistry.NameOf(e))).ToList(),
                        events.OfType<ReplyRequested>().FirstOrDefault()?.ReplyId
                    );
                    return new Outcome(result, null);
                },
                ct
            );
        }
        catch (PostgresException e)
            when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "conversations_one_open")
        {
            return Problem.Of(
                StatusCodes.Status409Conflict,
                ProblemCodes.CustomerHasOpenConversation,
                "The customer has another open conversation",
                "The customer already has an open conversation for this brand; continue there, or resolve it "
                    + "before reopening this one."
            );
        }
        catch (ConcurrencyException)
        {
            return Problem.Of(
                StatusCodes.Status412PreconditionFailed,
                ProblemCodes.PreconditionFailed,
                "The conversation has changed",
                "The conversation changed while the command ran; fetch it and retry."
            );
        }

        if (outcome.Problem is { } problem)
        {
            return problem;
        }

        http.Response.Headers.ETag = Preconditions.ETag(outcome.Result!.Version);
        return accepted ? TypedResults.Accepted((string?)null, outcome.Result) : TypedResults.Ok(outcome.Result);
    }

    /// <summary>
    /// Appends a decision's events to the conversation's stream (at the version its state was read at) and projects
    /// them, stamped with the conversation's ids, the actor and the time (see <see cref="ConversationProjection.Apply"/>
    /// for <paramref name="activity"/>). Returns the stamped events.
    /// </summary>
    internal static List<HubEvent> Commit(
        EventWriter writer,
        ConversationState state,
        IReadOnlyList<HubEvent> decided,
        EventActor actor,
        DateTimeOffset now,
        bool activity = true
    )
    {
        var events = decided
            .Select(e =>
                e with
                {
                    EventId = Guid.CreateVersion7(),
                    WorkspaceId = state.WorkspaceId,
                    Brand = state.Brand,
                    ConversationId = state.Id,
                    CustomerId = state.CustomerId,
                    RecordedAt = now,
                    Actor = actor,
                }
            )
            .ToList();
        if (events.Count > 0)
        {
            writer.Append(state.Id, typeof(StreamTypes.Conversation), state.WorkspaceId, state.Version, events);
            ConversationProjection.Apply(writer, state.Id, events, now, activity);
        }

        return events;
    }

    private sealed record Outcome(CommandResult? Result, ProblemHttpResult? Problem);

    /// <summary>The conversation's state, its row locked until the transaction ends.</summary>
    internal static async Task<ConversationState?> LoadAsync(
        EventWriter writer,
        Guid workspaceId,
        Guid conversationId,
        CancellationToken ct
    ) => (await LoadManyAsync(writer, workspaceId, [conversationId], ct)).SingleOrDefault();

    /// <summary>The states of <paramref name="conversationIds"/> (of <paramref name="workspaceId"/>, when given), their
    /// rows locked in id order until the transaction ends (unless <paramref name="lockRows"/> is false: a dry run that
    /// decides nothing).</summary>
    internal static Task<List<ConversationState>> LoadManyAsync(
        EventWriter writer,
        Guid? workspaceId,
        IReadOnlyCollection<Guid> conversationIds,
        CancellationToken ct,
        bool lockRows = true
    ) =>
        writer.QueryAsync(
            $$"""
            select c.id, c.workspace_id, c.brand, c.customer_id, c.status, c.version, c.opened_at,
                coalesce(c.episode_opened_at, c.opened_at), c.acknowledged_at, c.resolved_at,
                   c.assigned_team, c.assigned_agent, c.tags, c.priority, c.current_channel_id, ch.type,
                   array(select l.system || '|' || l.record_type || '|' || l.record_id from conversation_links l where
                       l.conversation_id = c.id),
                   c.claim_key_id, c.claim_app, c.claim_person, c.claim_expires_at, c.episode
            from conversations c join channels ch on ch.id = c.current_channel_id
            where ($1::uuid is null or c.workspace_id = $1) and c.id = any($2)
            order by c.id
            {{(lockRows ? "for update of c" : "")}}
            """,
            r => new ConversationState(
                r.GetGuid(0),
                r.GetGuid(1),
                r.GetString(2),
                r.GetGuid(3),
                r.GetString(4),
                r.GetInt64(5),
                r.GetFieldValue<DateTimeOffset>(6),
                r.GetFieldValue<DateTimeOffset>(7),
                r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8),
                r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9),
                r.IsDBNull(10) ? null : r.GetString(10),
                r.IsDBNull(11) ? null : r.GetString(11),
                r.GetFieldValue<string[]>(12),
                r.GetString(13),
                r.GetGuid(14),
                r.GetString(15),
                r.GetFieldValue<string[]>(16).ToHashSet(StringComparer.Ordinal),
                r.IsDBNull(17)
                    ? null
                    : new Claim(
                        r.GetString(17),
                        r.GetString(18),
                        r.IsDBNull(19) ? null : r.GetString(19),
                        r.GetFieldValue<DateTimeOffset>(20)
                    ),
                r.GetInt32(21)
            ),
            ct,
            new Npgsql.NpgsqlParameter<Guid?> { TypedValue = workspaceId },
            conversationIds.ToArray()
        );
}
