using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SocialCare.Api.Authorization;
using SocialCare.Api.EventLog;
using SocialCare.Api.Idempotency;
using SocialCare.Api.Infrastructure;
using SocialCare.Api.Infrastructure.OpenApi;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Api.Infrastructure.Validation;
using SocialCare.Contracts;

namespace SocialCare.Api.Workflow.Sla;

/// <summary>
/// SLA policies as resources. A policy applies to a conversation through a rule or as its brand's default; its clocks
/// are the workflow processor's (<see cref="Automation.WorkflowProcessor"/>). Policies belong to the workspace: a
/// brand-limited key reads them but does not change them. Every change is an event on the policy's stream with its
/// actor; the stream's version is the ETag.
/// </summary>
public static class SlaPoliciesApi
{
    /// <summary>SLA policies, and the workflow processor that runs their clocks.</summary>
    public static IServiceCollection AddSlaPolicies(this IServiceCollection services)
    {
        services
            .AddOptions<Automation.WorkflowOptions>()
            .BindConfiguration(Automation.WorkflowOptions.Section)
            .Validate(
                o =>
                    o.BatchSize > 0
                    && o.TimerBatchSize > 0
                    && o.PollIntervalMs > 0
                    && o.MaxRulesPerWorkspace > 0
                    && o.CoalesceMs >= 0,
                "Workflow settings must be positive (Workflow:CoalesceMs may be 0)."
            )
            .ValidateOnStart();
        services.AddHostedService<Automation.WorkflowProcessor>();
        return services.AddSingleton<SlaPolicyStore>();
    }

    public static RouteGroupBuilder MapSlaPolicies(this RouteGroupBuilder v1)
    {
        var policies = v1.MapGroup("/sla-policies").WithTags("Care operations").RequireScope(Scopes.WorkflowManage);
        policies
            .MapPost("/", Create)
            .WithName("CreateSlaPolicy")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("Create an SLA policy: response and resolution targets that rules and brands apply.")
            .Validate<SlaPolicyRequest>()
            .Idempotent();
        policies.MapGet("/", List).WithName("ListSlaPolicies").WithSummary("The workspace's SLA policies.");
        policies
            .MapGet("/{id:guid}", Get)
            .WithName("GetSlaPolicy")
            .WithMetadata(new ETagMetadata("SLA policy"))
            .WithSummary("An SLA policy.");
        policies
            .MapPut("/{id:guid}", Replace)
            .WithName("ReplaceSlaPolicy")
            .WithMetadata(new IfMatchMetadata("SLA policy"))
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Replace an SLA policy; clocks already running keep the targets they started with.")
            .Validate<SlaPolicyRequest>();
        policies
            .MapDelete("/{id:guid}", Delete)
            .WithName("DeleteSlaPolicy")
            .WithMetadata(new IfMatchMetadata("SLA policy"))
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Delete an SLA policy no brand has as its default; running clocks finish as they started.");
        return v1;
    }

    private static async Task<Results<Created<SlaPolicyResponse>, ProblemHttpResult>> Create(
        SlaPolicyRequest request,
        HttpContext http,
        EventStore events,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        if (http.User.Brands() is not null)
        {
            return BrandLimited();
        }

        var created = Policy(new SlaPolicyCreated { PolicyId = Guid.CreateVersion7() }, request, http, clock);
        await events.WriteAsync(
            writer =>
            {
                writer.Append(created.PolicyId, typeof(StreamTypes.SlaPolicy), created.WorkspaceId, 0, [created]);
                SlaPolicyStore.Save(writer, created.WorkspaceId, created, 1);
                return Task.FromResult(0);
            },
            ct
        );
        http.Response.Headers.ETag = Preconditions.ETag(1);
        return TypedResults.Created($"/v1/sla-policies/{created.PolicyId}", Response(created, 1, created.RecordedAt));
    }

    private static async Task<Ok<Page<SlaPolicyResponse>>> List(
        ClaimsPrincipal user,
        SlaPolicyStore store,
        Guid? after,
        int? limit,
        CancellationToken ct
    )
    {
        var take = Paging.ClampLimit(limit);
        var items = await store.ListAsync(user.RequiredWorkspaceId(), after, take, ct);
        return TypedResults.Ok(
            new Page<SlaPolicyResponse>(items, items.Count == take ? items[^1].Id.ToString() : null)
        );
    }

    private static async Task<Results<Ok<SlaPolicyResponse>, ProblemHttpResult>> Get(
        Guid id,
        HttpContext http,
        SlaPolicyStore store,
        CancellationToken ct
    )
    {
        if (await store.FindAsync(http.User.RequiredWorkspaceId(), id, ct) is not { } policy)
        {
            return Problem.NotFound("The SLA policy");
        }

        http.Response.Headers.ETag = Preconditions.ETag(policy.Version);
        return TypedResults.Ok(policy);
    }

    private static async Task<Results<Ok<SlaPolicyResponse>, ProblemHttpResult>> Replace(
        Guid id,
        SlaPolicyRequest request,
        HttpContext http,
        EventStore events,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        var (policy, problem) = await ChangeAsync(
            http,
            events,
            id,
            (_, _) => Task.FromResult<ProblemHttpResult?>(null),
            _ => Policy(new SlaPolicyUpdated { PolicyId = id }, request, http, clock),
            ct
        );
        if (problem is not null)
        {
            return problem;
        }

        http.Response.Headers.ETag = Preconditions.ETag(policy!.Version);
        return TypedResults.Ok(policy);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid id,
        HttpContext http,
        EventStore events,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        var workspaceId = http.User.RequiredWorkspaceId();
        var (_, problem) = await ChangeAsync(
            http,
            events,
            id,
            async (writer, _) =>
                await SlaPolicyStore.DefaultOfAsync(writer, workspaceId, id, ct) is { Count: > 0 } brands
                    ? Problem.Of(
                        StatusCodes.Status409Conflict,
                        ProblemCodes.Conflict,
                        "SLA policy in use",
                        $"The policy is the default of {string.Join(", ", brands.Select(b => $"'{b}'"))}: give "
                            + "those brands another default (or none) first."
                    )
                    : null,
            current =>
                Stamp(
                    new SlaPolicyDeleted
                    {
                        PolicyId = id,
                        Name = current.Name,
                        FirstResponse = current.FirstResponse,
                        NextResponse = current.NextResponse,
                        Resolution = current.Resolution,
                        BusinessHoursOnly = current.BusinessHoursOnly,
                        WarnBefore = current.WarnBefore,
                        CountAutomaticReplies = current.CountAutomaticReplies,
                    },
                    http,
                    clock
                ),
            ct
        );
        return problem is null ? TypedResults.NoContent() : problem;
    }

    /// <summary>
    /// Changes a policy on what it is now (<see cref="ResourceChanges"/>), after refusing a brand-limited key (403), if
    /// <paramref name="refuse"/> finds nothing against it.
    /// </summary>
    private static Task<(SlaPolicyResponse? Policy, ProblemHttpResult? Problem)> ChangeAsync(
        HttpContext http,
        EventStore events,
        Guid id,
        Func<EventWriter, SlaPolicyResponse, Task<ProblemHttpResult?>> refuse,
        Func<SlaPolicyResponse, SlaPolicyEvent> change,
        CancellationToken ct
    ) =>
        Preconditions.TryReadIfMatch(http, out _) && http.User.Brands() is not null
            ? Task.FromResult<(SlaPolicyResponse?, ProblemHttpResult?)>((null, BrandLimited()))
            : ResourceChanges.ChangeAsync(
                http,
                events,
                Resource,
                id,
                change,
                (writer, current, _) => refuse(writer, current),
                ct
            );

    private static readonly VersionedResource<SlaPolicyResponse, SlaPolicyEvent> Resource = new(
        "SLA policy",
        typeof(StreamTypes.SlaPolicy),
        SlaPolicyStore.LockAsync,
        p => p.Version,
        SlaPolicyStore.Save,
        (e, version, before) => Response(e, version, before.CreatedAt)
    );

    private static T Policy<T>(T e, SlaPolicyRequest request, HttpContext http, TimeProvider clock)
        where T : SlaPolicyEvent =>
        Stamp(
            e with
            {
                Name = request.Name.Trim(),
                FirstResponse = request.FirstResponse,
                NextResponse = request.NextResponse,
                Resolution = request.Resolution,
                BusinessHoursOnly = request.BusinessHoursOnly ?? false,
                WarnBefore = request.WarnBefore,
                CountAutomaticReplies = request.CountAutomaticReplies ?? false,
            },
            http,
            clock
        );

    private static T Stamp<T>(T e, HttpContext http, TimeProvider clock)
        where T : SlaPolicyEvent =>
        e with
        {
            EventId = Guid.CreateVersion7(),
            WorkspaceId = http.User.RequiredWorkspaceId(),
            RecordedAt = clock.GetUtcNow(),
            Actor = Actors.FromRequest(http),
        };

    private static SlaPolicyResponse Response(SlaPolicyEvent e, long version, DateTimeOffset createdAt) =>
        new(
            e.PolicyId,
            e.Name,
            e.FirstResponse,
            e.NextResponse,
            e.Resolution,
            e.BusinessHoursOnly,
            e.WarnBefore,
            e.CountAutomaticReplies,
            version,
            createdAt,
            e.RecordedAt
        );

    private static ProblemHttpResult BrandLimited() =>
        Problem.Of(
            StatusCodes.Status403Forbidden,
            ProblemCodes.Forbidden,
            "Not allowed",
            "SLA policies belong to the whole workspace: a key limited to some brands reads them but does not change "
                + "them."
        );
}
