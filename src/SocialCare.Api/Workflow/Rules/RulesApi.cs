using System.Globalization;
using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using SocialCare.Api.Authorization;
using SocialCare.Api.Channels;
using SocialCare.Api.Conversations;
using SocialCare.Api.EventLog;
using SocialCare.Api.Idempotency;
using SocialCare.Api.Infrastructure;
using SocialCare.Api.Infrastructure.OpenApi;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Api.Infrastructure.Validation;
using SocialCare.Api.Workflow.Automation;
using SocialCare.Api.Workflow.Sla;
using SocialCare.Api.Workflow.Teams;
using SocialCare.Contracts;

namespace SocialCare.Api.Workflow.Rules;

/// <summary>
/// Triage rules as resources, and their dry run. The rules run in the workflow processor, right after their trigger
/// event commits (<see cref="Automation.WorkflowProcessor"/>). A brand-limited key manages (and tries) only rules
/// limited to its brands. Every change is an event on the rule's stream with its actor; the version is the ETag.
/// </summary>
public static class RulesApi
{
    public static IServiceCollection AddRules(this IServiceCollection services) => services.AddSingleton<RuleStore>();

    public static RouteGroupBuilder MapRules(this RouteGroupBuilder v1)
    {
        var rules = v1.MapGroup("/rules").WithTags("Care operations").RequireScope(Scopes.WorkflowManage);
        rules
            .MapPost("/", Create)
            .WithName("CreateRule")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Create a triage rule: on an event, when its conditions hold, its actions run as the rule.")
            .Validate<RuleRequest>()
            .Idempotent();
        rules.MapGet("/", List).WithName("ListRules").WithSummary("The workspace's rules, in the order they run.");
        rules
            .MapPost("/test", Test)
            .WithName("TestRules")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Which rules would fire for an engagement, and what they would do; nothing is changed.")
            .Validate<RuleTestRequest>();
        rules
            .MapGet("/{id:guid}", Get)
            .WithName("GetRule")
            .WithMetadata(new ETagMetadata("rule"))
            .WithSummary("A rule.");
        rules
            .MapPut("/{id:guid}", Replace)
            .WithName("ReplaceRule")
            .WithMetadata(new IfMatchMetadata("rule"))
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Replace a rule (also to turn it off with enabled: false).")
            .Validate<RuleRequest>();
        rules
            .MapDelete("/{id:guid}", Delete)
            .WithName("DeleteRule")
            .WithMetadata(new IfMatchMetadata("rule"))
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Delete a rule.");
        return v1;
    }

    private static async Task<Results<Created<RuleResponse>, ProblemHttpResult>> Create(
        RuleRequest request,
        HttpContext http,
        EventStore events,
        TimeProvider clock,
        IOptions<WorkflowOptions> options,
        CancellationToken ct
    )
    {
        var limit = options.Value.MaxRulesPerWorkspace;
        var created = Rule(new RuleCreated { RuleId = Guid.CreateVersion7() }, request, http, clock);
        if (!http.User.MayActOnBrands(created.Brands))
        {
            return BrandsForbidden();
        }

        var problem = await events.WriteAsync(
            async writer =>
            {
                // Counted under the workspace's rules lock, so that concurrent creations cannot pass the limit together.
                writer.Lock([$"rules|{created.WorkspaceId:N}"]);
                var count = (
                    await writer.QueryAsync(
                        "select count(*)::int from rules where workspace_id = $1 and deleted_at is null",
                        r => r.GetInt32(0),
                        ct,
                        created.WorkspaceId
                    )
                )[0];
                if (count >= limit)
                {
                    return Problem.Of(
                        StatusCodes.Status422UnprocessableEntity,
                        ProblemCodes.RuleLimitReached,
                        "Too many rules",
                        $"A workspace may have at most {limit} rules; delete one you no longer need."
                    );
                }

                if (await ReferencesProblemAsync(writer, created, ct) is { } refused)
                {
                    return refused;
                }

                writer.Append(created.RuleId, typeof(StreamTypes.Rule), created.WorkspaceId, 0, [created]);
                RuleStore.Save(writer, created.WorkspaceId, created, 1);
                return null;
            },
            ct
        );
        if (problem is not null)
        {
            return problem;
        }

        http.Response.Headers.ETag = Preconditions.ETag(1);
        return TypedResults.Created($"/v1/rules/{created.RuleId}", Response(created, 1, created.RecordedAt));
    }

    private static async Task<Results<Ok<Page<RuleResponse>>, ProblemHttpResult>> List(
        ClaimsPrincipal user,
        RuleStore store,
        string? after,
        int? limit,
        CancellationToken ct
    )
    {
        (int, Guid)? cursor = null;
        if (after is not null)
        {
            var parts = after.Split('_');
            if (
                parts.Length != 2
                || !int.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var order)
                || !Guid.TryParse(parts[1], out var id)
            )
            {
                return Problem.Of(
                    StatusCodes.Status400BadRequest,
                    ProblemCodes.BadRequest,
                    "Invalid cursor",
                    "'after' is the 'next' of a previous page."
                );
            }

            cursor = (order, id);
        }

        var take = Paging.ClampLimit(limit);
        var items = await store.ListAsync(user.RequiredWorkspaceId(), cursor, take, user.Brands(), ct);
        return TypedResults.Ok(
            new Page<RuleResponse>(
                items,
                items.Count == take
                    ? string.Create(CultureInfo.InvariantCulture, $"{items[^1].Order}_{items[^1].Id}")
                    : null
            )
        );
    }

    private static async Task<Results<Ok<RuleResponse>, ProblemHttpResult>> Get(
        Guid id,
        HttpContext http,
        RuleStore store,
        CancellationToken ct
    )
    {
        if (
            await store.FindAsync(http.User.RequiredWorkspaceId(), id, ct) is not { } rule
            || !http.User.MayActOnBrands(rule.Brands)
        )
        {
            return Problem.NotFound("The rule");
        }

        http.Response.Headers.ETag = Preconditions.ETag(rule.Version);
        return TypedResults.Ok(rule);
    }

    private static async Task<Results<Ok<RuleResponse>, ProblemHttpResult>> Replace(
        Guid id,
        RuleRequest request,
        HttpContext http,
        EventStore events,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        var (rule, problem) = await ChangeAsync(
            http,
            events,
            id,
            _ => Rule(new RuleUpdated { RuleId = id }, request, http, clock),
            ct
        );
        if (problem is not null)
        {
            return problem;
        }

        http.Response.Headers.ETag = Preconditions.ETag(rule!.Version);
        return TypedResults.Ok(rule);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid id,
        HttpContext http,
        EventStore events,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        var (_, problem) = await ChangeAsync(
            http,
            events,
            id,
            current =>
                Stamp(
                    new RuleDeleted
                    {
                        RuleId = id,
                        Name = current.Name,
                        Enabled = current.Enabled,
                        Order = current.Order,
                        Brands = current.Brands,
                        Trigger = current.Trigger,
                        Conditions = current.Conditions,
                        Actions = current.Actions,
                        StopProcessing = current.StopProcessing,
                    },
                    http,
                    clock
                ),
            ct
        );
        return problem is null ? TypedResults.NoContent() : problem;
    }

    /// <summary>
    /// Changes a rule on what it is now (<see cref="ResourceChanges"/>), keeping a brand-limited key within its brands
    /// (404 for a rule outside them, 403 for moving one outside) and checking what the new rule names.
    /// </summary>
    private static Task<(RuleResponse? Rule, ProblemHttpResult? Problem)> ChangeAsync(
        HttpContext http,
        EventStore events,
        Guid id,
        Func<RuleResponse, RuleEvent> change,
        CancellationToken ct
    )
    {
        var user = http.User;
        return ResourceChanges.ChangeAsync(
            http,
            events,
            Resource,
            id,
            change,
            async (writer, current, decided) =>
                !user.MayActOnBrands(current.Brands) ? ResourceChanges.NotFound(Resource.Name)
                : !user.MayActOnBrands(decided.Brands) ? BrandsForbidden()
                : decided is RuleUpdated ? await ReferencesProblemAsync(writer, decided, ct)
                : null,
            ct
        );
    }

    private static readonly VersionedResource<RuleResponse, RuleEvent> Resource = new(
        "rule",
        typeof(StreamTypes.Rule),
        RuleStore.LockAsync,
        r => r.Version,
        RuleStore.Save,
        (e, version, before) => Response(e, version, before.CreatedAt)
    );

    /// <summary>
    /// What a rule names must exist when it is saved: its SLA policies (read locked, so that none is deleted
    /// meanwhile) and, once the workspace has teams, its teams. A rule that runs after one of them was deleted
    /// records nothing for that action.
    /// </summary>
    private static async Task<ProblemHttpResult?> ReferencesProblemAsync(
        EventWriter writer,
        RuleEvent rule,
        CancellationToken ct
    )
    {
        // Policies are locked in id order, so that two rules naming the same ones never wait for each other in a cycle.
        foreach (
            var policy in rule
                .Actions.Where(a => a.Type == RuleActionTypes.ApplySla && a.PolicyId is not null)
                .Select(a => a.PolicyId!.Value)
                .Distinct()
                .Order()
        )
        {
            if (await SlaPolicyStore.LockAsync(writer, rule.WorkspaceId, policy, ct) is null)
            {
                return Problem.Of(
                    StatusCodes.Status422UnprocessableEntity,
                    ProblemCodes.UnknownSlaPolicy,
                    "Unknown SLA policy",
                    $"There is no SLA policy {policy} in this workspace."
                );
            }
        }

        foreach (var action in rule.Actions)
        {
            if (
                action is { Type: RuleActionTypes.Assign, Team: { } team }
                && await TeamStore.ForAssignmentAsync(writer, rule.WorkspaceId, team.Trim(), ct)
                    is { HasTeams: true, Name: null }
            )
            {
                return Problem.Of(
                    StatusCodes.Status422UnprocessableEntity,
                    ProblemCodes.UnknownTeam,
                    "Unknown team",
                    $"The workspace has no team named '{team.Trim()}'."
                );
            }
        }

        return null;
    }

    private static async Task<Results<Ok<RuleTestResponse>, ProblemHttpResult>> Test(
        RuleTestRequest request,
        HttpContext http,
        ChannelStore channels,
        NpgsqlDataSource dataSource,
        IDocumentStore documents,
        RuleStore rules,
        SlaPolicyStore policies,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        var user = http.User;
        var workspaceId = user.RequiredWorkspaceId();
        var engagement = request.Engagement;
        if (
            await channels.FindAsync(workspaceId, engagement.ChannelId, ct) is not { } channel
            || !user.MayActOnBrand(channel.Brand)
        )
        {
            return Problem.Of(
                StatusCodes.Status422UnprocessableEntity,
                ProblemCodes.UnknownChannel,
                "Unknown channel account",
                "The engagement's channel account is not in this workspace, or this key may not use it."
            );
        }

        var trigger = request.Trigger ?? EventTypes.EngagementReceived;
        var at = request.At ?? clock.GetUtcNow();
        // A transaction that is never committed: the dry run reads what a real run would, and writes nothing.
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var writer = new EventWriter(connection, transaction, documents);
        ConversationState state;
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, System.Text.Json.JsonElement>> context =
            new Dictionary<string, IReadOnlyDictionary<string, System.Text.Json.JsonElement>>();
        string? customerName = engagement.Author.DisplayName;
        if (request.ConversationId is { } conversationId)
        {
            var found = await CommandRunner.LoadManyAsync(writer, workspaceId, [conversationId], ct, lockRows: false);
            if (found.SingleOrDefault() is not { } existing || !user.MayActOnBrand(existing.Brand))
            {
                return Problem.NotFound("The conversation");
            }

            state = existing;
            context = (await RuleFactsStore.ContextAsync(writer, [conversationId], ct)).GetValueOrDefault(
                conversationId,
                context
            );
            customerName = (await RuleFactsStore.LatestAsync(writer, [conversationId], ct))[
                conversationId
            ].CustomerName;
        }
        else
        {
            state = new ConversationState(
                Guid.Empty,
                workspaceId,
                channel.Brand,
                Guid.Empty,
                ConversationStatus.Open,
                0,
                at,
                at,
                null,
                null,
                null,
                null,
                [],
                "normal",
                channel.Id,
                channel.Type,
                new HashSet<string>(StringComparer.Ordinal)
            );
        }

        var brand = (await SlaStore.BrandsAsync(writer, [(workspaceId, state.Brand)], ct)).GetValueOrDefault(
            (workspaceId, state.Brand),
            BrandCare.Unconfigured
        );
        var candidates = request.Rule is { } draft
            ? [Response(Rule(new RuleCreated(), draft, http, clock), 0, at) with { Id = Guid.Empty }]
            : (await RuleStore.EnabledAsync(writer, [workspaceId], ct))[workspaceId]
                .Where(r => user.MayActOnBrands(r.Brands))
                .ToList();
        var environment = new RuleEnvironment(
            team => TeamStore.ForAssignmentAsync(writer, workspaceId, team.Trim(), ct),
            id => policies.FindAsync(workspaceId, id, ct),
            current =>
                request.ConversationId is null
                    ? Task.FromResult<ReplyTarget?>(
                        new ReplyTarget(
                            channel.Id,
                            channel.Type,
                            engagement.Author.PlatformUserId,
                            engagement.Visibility,
                            at,
                            engagement.Visibility == Visibilities.Public ? engagement.PlatformMessageId : null
                        )
                    )
                    : ReplyQueries.TargetAsync(writer, current, current.CurrentChannelId, user, ct),
            (current, policy) =>
                Task.FromResult(
                    new SlaClocks((_, _) => brand.Calendar).Apply(
                        current.Id,
                        workspaceId,
                        current.Brand,
                        policy,
                        SlaSources.Rule,
                        current.Episode,
                        current.EpisodeOpenedAt,
                        null,
                        at
                    )
                ),
            brand,
            customerName
        );
        var outcomes = new List<RuleTestOutcome>();
        var facts = new RuleFacts(
            state,
            new EngagementFacts(
                channel.Id,
                channel.Type,
                engagement.Visibility,
                engagement.Language,
                engagement.Text,
                new EngagementAuthor(
                    engagement.Author.PlatformUserId,
                    engagement.Author.DisplayName,
                    engagement.Author.Handle
                ),
                engagement.Metadata
            ),
            context,
            brand.Calendar.IsOpen(at),
            state.Episode
        );
        foreach (var rule in candidates.Where(r => RuleEngine.Applies(r, trigger, state.Brand)))
        {
            var run = await RuleEngine.RunAsync(rule, facts, environment, at, at, explain: true);
            outcomes.Add(
                new RuleTestOutcome(
                    rule.Id == Guid.Empty ? null : rule.Id,
                    rule.Name,
                    run.Matched,
                    run.Conditions.Select(c => new RuleConditionOutcome(
                            c.Condition.Field,
                            c.Condition.Op,
                            c.Condition.Value,
                            c.Actual,
                            c.Passed,
                            c.Note
                        ))
                        .ToList(),
                    run.Actions
                )
            );
            facts = facts with { Conversation = run.State };
            if (run.Matched && rule.StopProcessing)
            {
                break;
            }
        }

        return TypedResults.Ok(new RuleTestResponse(trigger, at, facts.WithinBusinessHours, outcomes));
    }

    private static T Rule<T>(T e, RuleRequest request, HttpContext http, TimeProvider clock)
        where T : RuleEvent =>
        Stamp(
            e with
            {
                Name = request.Name.Trim(),
                Enabled = request.Enabled ?? true,
                Order = request.Order ?? 0,
                Brands = request
                    .Brands?.Select(b => b.Trim())
                    .Distinct(StringComparer.Ordinal)
                    .Order(StringComparer.Ordinal)
                    .ToList(),
                Trigger = request.Trigger,
                Conditions = new RuleConditions(request.Conditions?.All ?? [], request.Conditions?.Any ?? []),
                Actions = request.Actions,
                StopProcessing = request.StopProcessing ?? false,
            },
            http,
            clock
        );

    private static T Stamp<T>(T e, HttpContext http, TimeProvider clock)
        where T : RuleEvent =>
        e with
        {
            EventId = Guid.CreateVersion7(),
            WorkspaceId = http.User.RequiredWorkspaceId(),
            RecordedAt = clock.GetUtcNow(),
            Actor = Actors.FromRequest(http),
        };

    private static RuleResponse Response(RuleEvent e, long version, DateTimeOffset createdAt) =>
        new(
            e.RuleId,
            e.Name,
            e.Enabled,
            e.Order,
            e.Brands,
            e.Trigger,
            e.Conditions,
            e.Actions,
            e.StopProcessing,
            version,
            createdAt,
            e.RecordedAt
        );

    private static ProblemHttpResult BrandsForbidden() =>
        Problem.Of(
            StatusCodes.Status403Forbidden,
            ProblemCodes.Forbidden,
            "Not allowed",
            "This API key may only manage rules of its own brands: name them in 'brands'."
        );
}
