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

namespace SocialCare.Api.Workflow.Teams;

/// <summary>
/// Teams as resources. Once a workspace has a team, <c>assign</c> names one of its teams that takes the conversation's
/// brand (422 <c>unknown-team</c> otherwise); a workspace without teams assigns free-form team names, as before. Every
/// change is an event on the team's stream with its actor; the stream's version is the ETag.
/// </summary>
public static class TeamsApi
{
    public static IServiceCollection AddTeams(this IServiceCollection services) => services.AddSingleton<TeamStore>();

    public static RouteGroupBuilder MapTeams(this RouteGroupBuilder v1)
    {
        var teams = v1.MapGroup("/teams").WithTags("Care operations").RequireScope(Scopes.WorkflowManage);
        teams
            .MapPost("/", Create)
            .WithName("CreateTeam")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary(
                "Create a team conversations of its brands can be assigned to; its name is unique, ignoring case."
            )
            .Validate<CreateTeamRequest>()
            .Idempotent();
        teams.MapGet("/", List).WithName("ListTeams").WithSummary("The workspace's teams (a key's own brands' only).");
        teams
            .MapGet("/{id:guid}", Get)
            .WithName("GetTeam")
            .WithMetadata(new ETagMetadata("team"))
            .WithSummary("A team.");
        teams
            .MapPatch("/{id:guid}", Update)
            .WithName("UpdateTeam")
            .WithMetadata(new IfMatchMetadata("team"))
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Rename a team, or change its brands or description.")
            .Validate<UpdateTeamRequest>();
        teams
            .MapDelete("/{id:guid}", Delete)
            .WithName("DeleteTeam")
            .WithMetadata(new IfMatchMetadata("team"))
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Delete a team: conversations already assigned to it keep the name.");
        return v1;
    }

    private static async Task<Results<Created<TeamResponse>, ProblemHttpResult>> Create(
        CreateTeamRequest request,
        HttpContext http,
        TeamStore store,
        EventStore events,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        var brands = Brands(request.Brands);
        if (!http.User.MayActOnBrands(brands))
        {
            return BrandsForbidden();
        }

        var created = Stamp(
            new TeamCreated
            {
                TeamId = Guid.CreateVersion7(),
                Name = request.Name.Trim(),
                Brands = brands,
                Description = Clean(request.Description),
            },
            http,
            clock
        );
        var problem = await events.WriteAsync(
            async writer =>
            {
                if (await TeamStore.NameTakenAsync(writer, created.WorkspaceId, created.Name, created.TeamId, ct))
                {
                    return NameTaken(created.Name);
                }

                writer.Append(created.TeamId, typeof(StreamTypes.Team), created.WorkspaceId, 0, [created]);
                TeamStore.Save(writer, created.WorkspaceId, created, 1);
                return null;
            },
            ct
        );
        if (problem is not null)
        {
            return problem;
        }

        http.Response.Headers.ETag = Preconditions.ETag(1);
        return TypedResults.Created(
            $"/v1/teams/{created.TeamId}",
            new TeamResponse(
                created.TeamId,
                created.Name,
                created.Brands,
                created.Description,
                1,
                created.RecordedAt,
                created.RecordedAt
            )
        );
    }

    private static async Task<Ok<Page<TeamResponse>>> List(
        ClaimsPrincipal user,
        TeamStore store,
        Guid? after,
        int? limit,
        CancellationToken ct
    )
    {
        var take = Paging.ClampLimit(limit);
        var items = await store.ListAsync(user.RequiredWorkspaceId(), after, take, user.Brands(), ct);
        return TypedResults.Ok(new Page<TeamResponse>(items, items.Count == take ? items[^1].Id.ToString() : null));
    }

    private static async Task<Results<Ok<TeamResponse>, ProblemHttpResult>> Get(
        Guid id,
        HttpContext http,
        TeamStore store,
        CancellationToken ct
    )
    {
        if (await FindVisible(id, http.User, store, ct) is not { } team)
        {
            return Problem.NotFound("The team");
        }

        http.Response.Headers.ETag = Preconditions.ETag(team.Version);
        return TypedResults.Ok(team);
    }

    private static async Task<Results<Ok<TeamResponse>, ProblemHttpResult>> Update(
        Guid id,
        UpdateTeamRequest request,
        HttpContext http,
        TeamStore store,
        EventStore events,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        if (!Preconditions.TryReadIfMatch(http, out var expected))
        {
            return InvalidIfMatch();
        }

        if (await FindVisible(id, http.User, store, ct) is not { } team)
        {
            return Problem.NotFound("The team");
        }

        var brands = request.Brands is null ? team.Brands : Brands(request.Brands);
        if (!http.User.MayActOnBrands(brands))
        {
            return BrandsForbidden();
        }

        var updated = Stamp(
            new TeamUpdated
            {
                TeamId = id,
                Name = request.Name?.Trim() ?? team.Name,
                Brands = brands,
                Description = request.Description is null ? team.Description : Clean(request.Description),
            },
            http,
            clock
        );
        var (version, problem) = await ChangeAsync(events, updated, expected ?? team.Version, ct);
        if (problem is not null)
        {
            return problem;
        }

        http.Response.Headers.ETag = Preconditions.ETag(version);
        return TypedResults.Ok(
            team with
            {
                Name = updated.Name,
                Brands = brands,
                Description = updated.Description,
                Version = version,
                UpdatedAt = updated.RecordedAt,
            }
        );
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid id,
        HttpContext http,
        TeamStore store,
        EventStore events,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        if (!Preconditions.TryReadIfMatch(http, out var expected))
        {
            return InvalidIfMatch();
        }

        if (await FindVisible(id, http.User, store, ct) is not { } team)
        {
            return Problem.NotFound("The team");
        }

        var deleted = Stamp(
            new TeamDeleted
            {
                TeamId = id,
                Name = team.Name,
                Brands = team.Brands,
                Description = team.Description,
            },
            http,
            clock
        );
        var (_, problem) = await ChangeAsync(events, deleted, expected ?? team.Version, ct);
        return problem is null ? TypedResults.NoContent() : problem;
    }

    /// <summary>Appends a change of an existing team at <paramref name="expected"/> (412 when the team moved on, 409
    /// when a rename takes a name in use) and saves it.</summary>
    private static async Task<(long Version, ProblemHttpResult? Problem)> ChangeAsync(
        EventStore events,
        TeamEvent change,
        long expected,
        CancellationToken ct
    )
    {
        try
        {
            return await events.WriteAsync<(long, ProblemHttpResult?)>(
                async writer =>
                {
                    if (
                        change is TeamUpdated
                        && await TeamStore.NameTakenAsync(writer, change.WorkspaceId, change.Name, change.TeamId, ct)
                    )
                    {
                        return (0, NameTaken(change.Name));
                    }

                    writer.Append(change.TeamId, typeof(StreamTypes.Team), change.WorkspaceId, expected, [change]);
                    TeamStore.Save(writer, change.WorkspaceId, change, expected + 1);
                    return (expected + 1, null);
                },
                ct
            );
        }
        catch (ConcurrencyException)
        {
            return (
                0,
                Problem.Of(
                    StatusCodes.Status412PreconditionFailed,
                    ProblemCodes.PreconditionFailed,
                    "The team has changed",
                    "The team is not at the version If-Match names (or changed meanwhile); fetch it and retry."
                )
            );
        }
    }

    /// <summary>A team the key may see: of the workspace, and (for a brand-limited key) of its brands only.</summary>
    private static async Task<TeamResponse?> FindVisible(
        Guid id,
        ClaimsPrincipal user,
        TeamStore store,
        CancellationToken ct
    ) =>
        await store.FindAsync(user.RequiredWorkspaceId(), id, ct) is { } team && user.MayActOnBrands(team.Brands)
            ? team
            : null;

    private static T Stamp<T>(T e, HttpContext http, TimeProvider clock)
        where T : TeamEvent =>
        e with
        {
            EventId = Guid.CreateVersion7(),
            WorkspaceId = http.User.RequiredWorkspaceId(),
            RecordedAt = clock.GetUtcNow(),
            Actor = Actors.FromRequest(http),
        };

    private static List<string>? Brands(List<string>? brands) =>
        brands?.Select(b => b.Trim()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    private static string? Clean(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static ProblemHttpResult NameTaken(string name) =>
        Problem.Of(
            StatusCodes.Status409Conflict,
            ProblemCodes.Conflict,
            "Team name in use",
            $"The workspace already has a team named '{name}'."
        );

    private static ProblemHttpResult BrandsForbidden() =>
        Problem.Of(
            StatusCodes.Status403Forbidden,
            ProblemCodes.Forbidden,
            "Not allowed",
            "This API key may only manage teams of its own brands: name them in 'brands'."
        );

    private static ProblemHttpResult InvalidIfMatch() =>
        Problem.Of(
            StatusCodes.Status400BadRequest,
            ProblemCodes.BadRequest,
            "Invalid If-Match",
            "If-Match must be the team's ETag, e.g. \"2\"."
        );
}
