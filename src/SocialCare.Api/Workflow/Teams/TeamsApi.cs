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
        try
        {
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
        }
        catch (Exception e) when (TeamStore.IsNameTaken(e))
        {
            return NameTaken(created.Name);
        }

        http.Response.Headers.ETag = Preconditions.ETag(1);
        return TypedResults.Created($"/v1/teams/{created.TeamId}", Response(created, 1, created.RecordedAt));
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
        if (
            await store.FindAsync(http.User.RequiredWorkspaceId(), id, ct) is not { } team
            || !http.User.MayActOnBrands(team.Brands)
        )
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
        EventStore events,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        var (team, problem) = await ChangeAsync(
            http,
            events,
            id,
            current =>
                Stamp(
                    new TeamUpdated
                    {
                        TeamId = id,
                        Name = request.Name?.Trim() ?? current.Name,
                        Brands = request.Brands is null ? current.Brands : Brands(request.Brands),
                        Description = request.Description is null ? current.Description : Clean(request.Description),
                    },
                    http,
                    clock
                ),
            ct
        );
        if (problem is not null)
        {
            return problem;
        }

        http.Response.Headers.ETag = Preconditions.ETag(team!.Version);
        return TypedResults.Ok(team);
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
                    new TeamDeleted
                    {
                        TeamId = id,
                        Name = current.Name,
                        Brands = current.Brands,
                        Description = current.Description,
                    },
                    http,
                    clock
                ),
            ct
        );
        return problem is null ? TypedResults.NoContent() : problem;
    }

    /// <summary>
    /// Changes a team on what it is now (<see cref="ResourceChanges"/>), keeping a brand-limited key within its brands
    /// (404 for a team outside them, 403 for moving one outside) and refusing a name in use (409).
    /// </summary>
    private static async Task<(TeamResponse? Team, ProblemHttpResult? Problem)> ChangeAsync(
        HttpContext http,
        EventStore events,
        Guid id,
        Func<TeamResponse, TeamEvent> change,
        CancellationToken ct
    )
    {
        var user = http.User;
        string? attempted = null;
        try
        {
            return await ResourceChanges.ChangeAsync(
                http,
                events,
                Resource,
                id,
                change,
                async (writer, current, decided) =>
                {
                    attempted = decided.Name;
                    return !user.MayActOnBrands(current.Brands) ? ResourceChanges.NotFound(Resource.Name)
                        : !user.MayActOnBrands(decided.Brands) ? BrandsForbidden()
                        : decided is TeamUpdated
                        && !string.Equals(decided.Name, current.Name, StringComparison.OrdinalIgnoreCase)
                        && await TeamStore.NameTakenAsync(writer, user.RequiredWorkspaceId(), decided.Name, id, ct)
                            ? NameTaken(decided.Name)
                        : null;
                },
                ct
            );
        }
        catch (Exception e) when (TeamStore.IsNameTaken(e))
        {
            return (null, NameTaken(attempted ?? ""));
        }
    }

    private static readonly VersionedResource<TeamResponse, TeamEvent> Resource = new(
        "team",
        typeof(StreamTypes.Team),
        TeamStore.LockAsync,
        t => t.Version,
        TeamStore.Save,
        (e, version, before) => Response(e, version, before.CreatedAt)
    );

    private static TeamResponse Response(TeamEvent e, long version, DateTimeOffset createdAt) =>
        new(e.TeamId, e.Name, e.Brands, e.Description, version, createdAt, e.RecordedAt);

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
}
