using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SocialCare.Api.Authorization;
using SocialCare.Api.Idempotency;
using SocialCare.Api.Infrastructure;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Api.Infrastructure.Validation;

namespace SocialCare.Api.Channels;

public static class ChannelsApi
{
    public static IServiceCollection AddChannels(this IServiceCollection services) =>
        services
            .AddSingleton<ChannelStore>()
            .AddSingleton<ChannelValueRules>()
            .AddSingleton(ChannelStore.StoredSecrets);

    public static RouteGroupBuilder MapChannels(this RouteGroupBuilder v1)
    {
        var channels = v1.MapGroup("/channels").WithTags("Channels").RequireScope(Scopes.ChannelsManage);
        channels
            .MapPost("/", Create)
            .WithName("CreateChannel")
            .WithSummary(
                "Connect a channel account (a brand's WhatsApp number, Facebook page, X account, or any "
                    + "custom channel)."
            )
            .Validate<CreateChannelRequest>()
            .Idempotent();
        channels
            .MapGet("/", List)
            .WithName("ListChannels")
            .WithSummary("List channel accounts, optionally of one type.");
        channels
            .MapGet("/{id:guid}", Get)
            .WithName("GetChannel")
            .WithSummary("A channel account; secrets are never returned.");
        channels
            .MapPatch("/{id:guid}", Update)
            .WithName("UpdateChannel")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Rename, move to another brand, or change settings and secrets (null removes one).")
            .Validate<UpdateChannelRequest>();
        channels
            .MapDelete("/{id:guid}", Delete)
            .WithName("DeleteChannel")
            .WithSummary("Disconnect a channel account; its history stays.");
        return v1;
    }

    private static async Task<Results<Created<ChannelResponse>, ProblemHttpResult>> Create(
        CreateChannelRequest request,
        ClaimsPrincipal user,
        ChannelStore store,
        ChannelValueRules rules,
        CancellationToken ct
    )
    {
        if (!user.MayActOnBrand(request.Brand.Trim()))
        {
            return BrandForbidden(request.Brand);
        }

        var (values, problem) = await rules.ApplyAsync(request.Type, null, request.Settings, request.Secrets, ct);
        if (problem is not null)
        {
            return problem;
        }

        var channel = await store.CreateAsync(user.RequiredWorkspaceId(), request, values!, ct);
        return TypedResults.Created($"/v1/channels/{channel.Id}", channel.ToResponse());
    }

    private static async Task<Ok<Page<ChannelResponse>>> List(
        ClaimsPrincipal user,
        ChannelStore store,
        string? type,
        Guid? after,
        int? limit,
        CancellationToken ct
    )
    {
        var take = Paging.ClampLimit(limit);
        var items = await store.ListAsync(user.RequiredWorkspaceId(), type, after, take, ct);
        var visible = items.Where(c => user.MayActOnBrand(c.Brand)).Select(c => c.ToResponse()).ToList();
        return TypedResults.Ok(
            new Page<ChannelResponse>(visible, items.Count == take ? items[^1].Id.ToString() : null)
        );
    }

    private static async Task<Results<Ok<ChannelResponse>, ProblemHttpResult>> Get(
        Guid id,
        ClaimsPrincipal user,
        ChannelStore store,
        CancellationToken ct
    ) =>
        await FindVisible(id, user, store, ct) is { } channel
            ? TypedResults.Ok(channel.ToResponse())
            : Problem.NotFound("The channel");

    private static async Task<Results<Ok<ChannelResponse>, ProblemHttpResult>> Update(
        Guid id,
        UpdateChannelRequest request,
        ClaimsPrincipal user,
        ChannelStore store,
        ChannelValueRules rules,
        CancellationToken ct
    )
    {
        if (await FindVisible(id, user, store, ct) is not { } channel)
        {
            return Problem.NotFound("The channel");
        }

        if (request.Brand is { } brand && !user.MayActOnBrand(brand.Trim()))
        {
            return BrandForbidden(brand);
        }

        var (values, problem) = await rules.ApplyAsync(
            channel.Type,
            channel.Values,
            request.Settings,
            request.Secrets,
            ct
        );
        if (problem is not null)
        {
            return problem;
        }

        var updated = await store.UpdateAsync(channel, request, values!, ct);
        return updated is null ? Problem.NotFound("The channel") : TypedResults.Ok(updated.ToResponse());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid id,
        ClaimsPrincipal user,
        ChannelStore store,
        CancellationToken ct
    ) =>
        await FindVisible(id, user, store, ct) is not null
        && await store.DeleteAsync(user.RequiredWorkspaceId(), id, ct)
            ? TypedResults.NoContent()
            : Problem.NotFound("The channel");

    private static async Task<Channel?> FindVisible(
        Guid id,
        ClaimsPrincipal user,
        ChannelStore store,
        CancellationToken ct
    ) =>
        await store.FindAsync(user.RequiredWorkspaceId(), id, ct) is { } channel && user.MayActOnBrand(channel.Brand)
            ? channel
            : null;

    private static ProblemHttpResult BrandForbidden(string brand) =>
        Problem.Of(
            StatusCodes.Status403Forbidden,
            ProblemCodes.Forbidden,
            "Not allowed",
            $"This API key may not act on brand '{brand}'."
        );
}
