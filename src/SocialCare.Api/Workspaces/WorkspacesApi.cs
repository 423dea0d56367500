using Microsoft.AspNetCore.Http.HttpResults;
using SocialCare.Api.Authorization;
using SocialCare.Api.Infrastructure;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Api.Infrastructure.Validation;

namespace SocialCare.Api.Workspaces;

public static class WorkspacesApi
{
    public static IServiceCollection AddWorkspaces(this IServiceCollection services)
    {
        services.AddSingleton<WorkspaceStore>();
        services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section);
        services.AddHostedService<DemoWorkspaceSeeder>();
        return services;
    }

    public static RouteGroupBuilder MapWorkspaces(this RouteGroupBuilder v1)
    {
        v1.MapGet("/me", GetCurrentKey)
            .WithName("GetCurrentKey")
            .WithTags("Workspaces")
            .WithSummary("The calling API key: its workspace, name, scopes and brands.")
            .RequireAuthorization(AuthorizationExtensions.WorkspacePolicy);

        var workspaces = v1.MapGroup("/workspaces").WithTags("Workspaces");
        workspaces
            .MapPost("/", Create)
            .WithName("CreateWorkspace")
            .WithSummary("Create a workspace (admin).")
            .RequireAdmin()
            .Validate<CreateWorkspaceRequest>();
        workspaces.MapGet("/", List).WithName("ListWorkspaces").WithSummary("List workspaces (admin).").RequireAdmin();
        workspaces
            .MapGet("/{id:guid}", Get)
            .WithName("GetWorkspace")
            .WithSummary("A workspace, for the admin key or a key of that workspace.")
            .RequireAuthorization();

        var keys = workspaces.MapGroup("/{id:guid}/api-keys").RequireAdmin();
        keys.MapPost("/", CreateKey)
            .WithName("CreateApiKey")
            .WithSummary("Create an API key (admin). The secret `key` is shown in this response only.")
            .Validate<CreateApiKeyRequest>();
        keys.MapGet("/", ListKeys)
            .WithName("ListApiKeys")
            .WithSummary("List a workspace's API keys, without secrets (admin).");
        keys.MapDelete("/{keyId:guid}", RevokeKey)
            .WithName("RevokeApiKey")
            .WithSummary("Revoke an API key, effective on the next request (admin).");
        return v1;
    }

    private static async Task<Results<Ok<CurrentKeyResponse>, ProblemHttpResult>> GetCurrentKey(
        System.Security.Claims.ClaimsPrincipal user,
        WorkspaceStore store,
        CancellationToken ct
    )
    {
        var workspace = await store.FindAsync(user.RequiredWorkspaceId(), ct);
        return workspace is null
            ? Problem.NotFound("The key's workspace")
            : TypedResults.Ok(
                new CurrentKeyResponse(
                    workspace,
                    Guid.Parse(user.KeyId()!),
                    user.KeyName()!,
                    user.Scopes(),
                    user.Brands()
                )
            );
    }

    private static async Task<Created<WorkspaceResponse>> Create(
        CreateWorkspaceRequest request,
        WorkspaceStore store,
        CancellationToken ct
    )
    {
        var workspace = await store.CreateAsync(request.Name.Trim(), ct);
        return TypedResults.Created($"/v1/workspaces/{workspace.Id}", workspace);
    }

    private static async Task<Ok<Page<WorkspaceResponse>>> List(
        WorkspaceStore store,
        Guid? after,
        int? limit,
        CancellationToken ct
    )
    {
        var take = Paging.ClampLimit(limit);
        var items = await store.ListAsync(after, take, ct);
        return TypedResults.Ok(
            new Page<WorkspaceResponse>(items, items.Count == take ? items[^1].Id.ToString() : null)
        );
    }

    private static async Task<Results<Ok<WorkspaceResponse>, ProblemHttpResult>> Get(
        Guid id,
        System.Security.Claims.ClaimsPrincipal user,
        WorkspaceStore store,
        CancellationToken ct
    )
    {
        // Another workspace's resource answers exactly like one that does not exist.
        if (!user.IsAdmin() && user.WorkspaceId() != id)
        {
            return Problem.NotFound("The workspace");
        }

        var workspace = await store.FindAsync(id, ct);
        return workspace is null ? Problem.NotFound("The workspace") : TypedResults.Ok(workspace);
    }

    private static async Task<Results<Created<CreatedApiKeyResponse>, ProblemHttpResult>> CreateKey(
        Guid id,
        CreateApiKeyRequest request,
        WorkspaceStore store,
        CancellationToken ct
    )
    {
        if (await store.FindAsync(id, ct) is null)
        {
            return Problem.NotFound("The workspace");
        }

        var created = await store.CreateKeyAsync(
            id,
            request with
            {
                Name = request.Name.Trim(),
            },
            ApiKeys.Generate(),
            ct
        );
        return TypedResults.Created($"/v1/workspaces/{id}/api-keys/{created.Id}", created);
    }

    private static async Task<Results<Ok<IReadOnlyList<ApiKeyResponse>>, ProblemHttpResult>> ListKeys(
        Guid id,
        WorkspaceStore store,
        CancellationToken ct
    ) =>
        await store.FindAsync(id, ct) is null
            ? Problem.NotFound("The workspace")
            : TypedResults.Ok(await store.ListKeysAsync(id, ct));

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeKey(
        Guid id,
        Guid keyId,
        WorkspaceStore store,
        CancellationToken ct
    ) => await store.RevokeKeyAsync(id, keyId, ct) ? TypedResults.NoContent() : Problem.NotFound("The API key");
}
