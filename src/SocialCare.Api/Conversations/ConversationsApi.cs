using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SocialCare.Api.Authorization;
using SocialCare.Api.Infrastructure;
using SocialCare.Api.Infrastructure.Problems;

namespace SocialCare.Api.Conversations;

public static class ConversationsApi
{
    public static IServiceCollection AddConversations(this IServiceCollection services) =>
        services.AddSingleton<ConversationReader>().AddSingleton<CommandRunner>();

    public static RouteGroupBuilder MapConversations(this RouteGroupBuilder v1)
    {
        var read = v1.MapGroup("/conversations").WithTags("Conversations").RequireScope(Scopes.ConversationsRead);
        read.MapGet("/", List).WithName("ListConversations")
            .WithSummary("Conversations, newest first; filter by status, brand, channel or customer.");
        read.MapGet("/{id:guid}", Get).WithName("GetConversation")
            .WithSummary("The whole context of one conversation now. The ETag is the conversation's version.");
        read.MapGet("/{id:guid}/timeline", GetTimeline).WithName("GetConversationTimeline")
            .WithSummary("Every event of the conversation, in order, with who caused it; page with after=<version>.");
        return v1;
    }

    private static async Task<Ok<Page<ConversationSummary>>> List(
        ClaimsPrincipal user, ConversationReader reader, string? status, string? brand, Guid? channel, Guid? customer,
        Guid? after, int? limit, CancellationToken ct)
    {
        var take = Paging.ClampLimit(limit);
        var items = await reader.ListAsync(user.RequiredWorkspaceId(), new ConversationFilter(status, brand, channel, customer, user.Brands()), after, take, ct);
        return TypedResults.Ok(new Page<ConversationSummary>(items, items.Count == take ? items[^1].Id.ToString() : null));
    }

    private static async Task<Results<Ok<ConversationView>, ProblemHttpResult>> Get(
        Guid id, HttpContext http, ConversationReader reader, CancellationToken ct)
    {
        var conversation = await reader.GetAsync(http.User.RequiredWorkspaceId(), id, ct);
        if (conversation is null || !http.User.MayActOnBrand(conversation.Brand))
        {
            return Problem.NotFound("The conversation");
        }

        http.Response.Headers.ETag = ETag(conversation.Version);
        return TypedResults.Ok(conversation);
    }

    private static async Task<Results<Ok<Timeline>, ProblemHttpResult>> GetTimeline(
        Guid id, ClaimsPrincipal user, ConversationReader reader, long? after, int? limit, CancellationToken ct)
    {
        var workspaceId = user.RequiredWorkspaceId();
        if (await reader.FindBrandAsync(workspaceId, id, ct) is not { } brand || !user.MayActOnBrand(brand))
        {
            return Problem.NotFound("The conversation");
        }

        var take = Paging.ClampLimit(limit);
        var items = await reader.TimelineAsync(workspaceId, id, after ?? 0, take, ct);
        return TypedResults.Ok(new Timeline(items, items.Count == take ? items[^1].Version.ToString(CultureInfo.InvariantCulture) : null));
    }

    public static string ETag(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";
}
