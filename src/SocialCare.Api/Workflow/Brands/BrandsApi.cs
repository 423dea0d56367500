using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SocialCare.Api.Authorization;
using SocialCare.Api.EventLog;
using SocialCare.Api.Infrastructure;
using SocialCare.Api.Infrastructure.OpenApi;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Api.Infrastructure.Validation;
using SocialCare.Api.Workflow.Sla;
using SocialCare.Contracts;

namespace SocialCare.Api.Workflow.Brands;

/// <summary>
/// Brands as resources: a brand is a name on channels and conversations until its care settings are put here; from then
/// its business hours and time zone drive SLA clocks and triage rules. Every change is an event on the brand's stream
/// (<c>brand.configured</c>, <c>brand.removed</c>) with its actor; the stream's version is the ETag.
/// </summary>
public static class BrandsApi
{
    private const int MaxNameLength = 200;

    public static IServiceCollection AddBrands(this IServiceCollection services) => services.AddSingleton<BrandStore>();

    public static RouteGroupBuilder MapBrands(this RouteGroupBuilder v1)
    {
        var brands = v1.MapGroup("/brands").WithTags("Care operations").RequireScope(Scopes.WorkflowManage);
        brands
            .MapGet("/", List)
            .WithName("ListBrands")
            .WithSummary("The brands whose care settings are configured, in name order (a key's own brands only).");
        brands
            .MapGet("/{brand}", Get)
            .WithName("GetBrand")
            .WithMetadata(new ETagMetadata("brand"))
            .WithSummary(
                "A brand's care settings: time zone, business hours, holidays, languages, default SLA policy."
            );
        brands
            .MapPut("/{brand}", Put)
            .WithName("PutBrand")
            .WithMetadata(new IfMatchMetadata("brand"))
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary(
                "Set or replace a brand's care settings (201 the first time, 200 after; unchanged settings append "
                    + "nothing). A brand never configured is always open, with no SLA."
            )
            .Validate<PutBrandRequest>();
        brands
            .MapDelete("/{brand}", Delete)
            .WithName("DeleteBrand")
            .WithMetadata(new IfMatchMetadata("brand"))
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Remove a brand's care settings: it is always open again, with no default SLA policy.");
        return v1;
    }

    private static async Task<Ok<Page<BrandResponse>>> List(
        ClaimsPrincipal user,
        BrandStore store,
        string? after,
        int? limit,
        CancellationToken ct
    )
    {
        var take = Paging.ClampLimit(limit);
        var items = await store.ListAsync(user.RequiredWorkspaceId(), after, take, user.Brands(), ct);
        return TypedResults.Ok(new Page<BrandResponse>(items, items.Count == take ? items[^1].Brand : null));
    }

    private static async Task<Results<Ok<BrandResponse>, ProblemHttpResult>> Get(
        string brand,
        HttpContext http,
        BrandStore store,
        CancellationToken ct
    )
    {
        if (!IsName(brand) || !http.User.MayActOnBrand(brand))
        {
            return Problem.NotFound("The brand");
        }

        if (await store.FindAsync(http.User.RequiredWorkspaceId(), brand, ct) is not { } found)
        {
            return Problem.NotFound("The brand's care settings");
        }

        http.Response.Headers.ETag = Preconditions.ETag(found.Version);
        return TypedResults.Ok(found);
    }

    private static async Task<Results<Created<BrandResponse>, Ok<BrandResponse>, ProblemHttpResult>> Put(
        string brand,
        PutBrandRequest request,
        HttpContext http,
        BrandStore store,
        EventStore events,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        if (Refusal(brand, http, out var expected) is { } refused)
        {
            return refused;
        }

        var workspaceId = http.User.RequiredWorkspaceId();
        var before = await store.FindAsync(workspaceId, brand, ct);
        var configured = new BrandConfigured
        {
            EventId = Guid.CreateVersion7(),
            WorkspaceId = workspaceId,
            Brand = brand,
            RecordedAt = clock.GetUtcNow(),
            Actor = Actors.FromRequest(http),
            DisplayName = string.IsNullOrWhiteSpace(request.DisplayName) ? null : request.DisplayName.Trim(),
            TimeZone = request.TimeZone,
            BusinessHours = (request.BusinessHours ?? [])
                .Where(d => d.Value.Count > 0)
                .OrderBy(d => BrandDays.All.ToList().IndexOf(d.Key))
                .ToDictionary(d => d.Key, d => (IReadOnlyList<OpeningHours>)d.Value, StringComparer.Ordinal),
            Holidays = (request.Holidays ?? []).Order().ToList(),
            DefaultSlaPolicyId = request.DefaultSlaPolicyId,
            Languages = request.Languages ?? [],
        };
        if (before is not null && Same(before, configured))
        {
            if (expected is { } version && version != before.Version)
            {
                return Preconditions.Changed("brand");
            }

            http.Response.Headers.ETag = Preconditions.ETag(before.Version);
            return TypedResults.Ok(before);
        }

        var stream = BrandStore.StreamOf(workspaceId, brand);
        try
        {
            var (version, existed) = await events.WriteAsync(
                async writer =>
                {
                    // The policy is read locked, so that it cannot be deleted while it becomes the brand's default.
                    if (
                        configured.DefaultSlaPolicyId is { } policy
                        && await SlaPolicyStore.LockAsync(writer, workspaceId, policy, ct) is null
                    )
                    {
                        return (0, false);
                    }

                    var (current, configuredBefore) = await BrandStore.LockAsync(writer, workspaceId, brand, ct);
                    writer.Append(stream, typeof(StreamTypes.Brand), workspaceId, expected ?? current, [configured]);
                    BrandStore.Save(writer, workspaceId, configured, current + 1);
                    return (current + 1, configuredBefore);
                },
                ct
            );
            if (version == 0)
            {
                return Problem.Of(
                    StatusCodes.Status422UnprocessableEntity,
                    ProblemCodes.UnknownSlaPolicy,
                    "Unknown SLA policy",
                    $"There is no SLA policy {configured.DefaultSlaPolicyId} in this workspace."
                );
            }

            var saved = await store.FindAsync(workspaceId, brand, ct);
            http.Response.Headers.ETag = Preconditions.ETag(version);
            return existed
                ? TypedResults.Ok(saved)
                : TypedResults.Created($"/v1/brands/{Uri.EscapeDataString(brand)}", saved);
        }
        catch (ConcurrencyException)
        {
            return Preconditions.Changed("brand");
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        string brand,
        HttpContext http,
        BrandStore store,
        EventStore events,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        if (Refusal(brand, http, out var expected) is { } refused)
        {
            return refused;
        }

        var workspaceId = http.User.RequiredWorkspaceId();
        if (await store.FindAsync(workspaceId, brand, ct) is null)
        {
            return Problem.NotFound("The brand's care settings");
        }

        var stream = BrandStore.StreamOf(workspaceId, brand);
        var removed = new BrandRemoved
        {
            EventId = Guid.CreateVersion7(),
            WorkspaceId = workspaceId,
            Brand = brand,
            RecordedAt = clock.GetUtcNow(),
            Actor = Actors.FromRequest(http),
        };
        try
        {
            await events.WriteAsync(
                async writer =>
                {
                    var (current, _) = await BrandStore.LockAsync(writer, workspaceId, brand, ct);
                    writer.Append(stream, typeof(StreamTypes.Brand), workspaceId, expected ?? current, [removed]);
                    BrandStore.Remove(writer, workspaceId, brand);
                    return current + 1;
                },
                ct
            );
            return TypedResults.NoContent();
        }
        catch (ConcurrencyException)
        {
            return Preconditions.Changed("brand");
        }
    }

    /// <summary>Why a change of <paramref name="brand"/> is refused before anything is read: a name the hub would not
    /// store, a brand outside the key's, an unreadable <c>If-Match</c>.</summary>
    private static ProblemHttpResult? Refusal(string brand, HttpContext http, out long? expected)
    {
        expected = null;
        if (!IsName(brand))
        {
            return Problem.Validation(
                new Dictionary<string, string[]> { ["brand"] = [$"A brand is 1 to {MaxNameLength} characters."] }
            );
        }

        if (!http.User.MayActOnBrand(brand))
        {
            return Problem.Of(
                StatusCodes.Status403Forbidden,
                ProblemCodes.Forbidden,
                "Not allowed",
                $"This API key may not act on brand '{brand}'."
            );
        }

        return Preconditions.TryReadIfMatch(http, out expected) ? null : Preconditions.InvalidIfMatch("brand");
    }

    private static bool IsName(string brand) => brand.Length is > 0 and <= MaxNameLength && brand == brand.Trim();

    private static bool Same(BrandResponse stored, BrandConfigured wanted) =>
        stored.DisplayName == wanted.DisplayName
        && stored.TimeZone == wanted.TimeZone
        && stored.DefaultSlaPolicyId == wanted.DefaultSlaPolicyId
        && stored.Languages.SequenceEqual(wanted.Languages)
        && stored.Holidays.SequenceEqual(wanted.Holidays)
        && stored.BusinessHours.Count == wanted.BusinessHours.Count
        && stored.BusinessHours.All(d =>
            wanted.BusinessHours.TryGetValue(d.Key, out var hours) && d.Value.SequenceEqual(hours)
        );
}
