using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SocialCare.Api.Authorization;
using SocialCare.Api.Infrastructure;
using SocialCare.Api.Infrastructure.OpenApi;
using SocialCare.Api.Infrastructure.Problems;

namespace SocialCare.Api.Conversations;

public static class ConversationsApi
{
    public const string GetName = "GetConversation";

    public static IServiceCollection AddConversations(this IServiceCollection services)
    {
        return services
            .AddSingleton<ConversationReader>()
            .AddSingleton<CommandRunner>()
            .AddHostedService<ClaimExpiry>();
    }

    public static RouteGroupBuilder MapConversations(this RouteGroupBuilder v1)
    {
        var read = v1.MapGroup("/conversations").WithTags("Conversations").RequireScope(Scopes.ConversationsRead);
        read.MapGet("/", List)
            .WithName("ListConversations")
            .WithSummary(
                "Conversations, newest first (or sort=lastActivity); filter by status, brand, channel, customer, "
                    + "team, agent, tag, priority or link=system:type:id."
            );
        read.MapGet("/{id:guid}", Get)
            .WithName(GetName)
            .WithMetadata(new ETagMetadata("conversation"))
            .WithSummary("The whole context of one conversation now. The ETag is the conversation's version.");
        read.MapGet("/{id:guid}/timeline", GetTimeline)
            .WithName("GetConversationTimeline")
            .WithSummary("Every event of the conversation, in order, with who caused it; page with after=<version>.");
        return v1;
    }

    private static async Task<Results<Ok<Page<ConversationSummary>>, ProblemHttpResult>> List(
        ClaimsPrincipal user,
        ConversationReader reader,
        string? status,
        string? brand,
        Guid? channel,
        Guid? customer,
        string? team,
        string? agent,
        string? tag,
        string? priority,
        string? link,
        string? sort,
        string? after,
        int? limit,
        CancellationToken ct
    )
    {
        var byLastActivity = sort switch
        {
            null or "created" => false,
            "lastActivity" => true,
            _ => (bool?)null,
        };
        if (byLastActivity is null)
        {
            return Problem.Of(
                StatusCodes.Status400BadRequest,
                ProblemCodes.BadRequest,
                "Unknown sort",
                "sort is 'created' (newest first) or 'lastActivity' (most recently active first)."
            );
        }

        var linkParts = link?.Split(':', 3);
        if (link is not null && (linkParts!.Length != 3 || linkParts.Any(string.IsNullOrWhiteSpace)))
        {
            return Problem.Of(
                StatusCodes.Status400BadRequest,
                ProblemCodes.BadRequest,
                "Invalid link filter",
                "link is system:recordType:recordId, e.g. billing:invoice:INV-1."
            );
        }

        if (!ConversationCursor.TryParse(after, byLastActivity.Value, out var cursor))
        {
            return Problem.Of(
                StatusCodes.Status400BadRequest,
                ProblemCodes.BadRequest,
                "Invalid cursor",
                "Pass back the 'next' value of the previous page, with the same sort."
            );
        }

        var filter = new ConversationFilter(status, brand, channel, customer, user.Brands())
        {
            Team = team,
            Agent = agent,
            Tag = tag,
            Priority = priority,
            ByLastActivity = byLastActivity.Value,
            Link = linkParts is null
                ? null
                : (linkParts[0].ToLowerInvariant(), linkParts[1].ToLowerInvariant(), linkParts[2]),
        };
        var take = Paging.ClampLimit(limit);
        var items = await reader.ListAsync(user.RequiredWorkspaceId(), filter, cursor, take, ct);
        var next =
            items.Count == take
                ? new ConversationCursor(
                    byLastActivity.Value ? items[^1].LastActivityAt : null,
                    items[^1].Id
                ).ToString()
                : null;
        return TypedResults.Ok(new Page<ConversationSummary>(items, next));
    }

    private static async Task<Results<Ok<ConversationView>, ProblemHttpResult>> Get(
        Guid id,
        HttpContext http,
        ConversationReader reader,
        CancellationToken ct
    )
    {
        var conversation = await reader.GetAsync(http.User.RequiredWorkspaceId(), id, ct);
        if (conversation is null || !http.User.MayActOnBrand(conversation.Brand))
        {
            return Problem.NotFound("The conversation");
        }

        http.Response.Headers.ETag = Preconditions.ETag(conversation.Version);
        return TypedResults.Ok(conversation);
    }

    private static async Task<Results<Ok<Timeline>, ProblemHttpResult>> GetTimeline(
        Guid id,
        ClaimsPrincipal user,
        ConversationReader reader,
        long? after,
        int? limit,
        CancellationToken ct
    )
    {
        var workspaceId = user.RequiredWorkspaceId();
        if (await reader.FindBrandAsync(workspaceId, id, ct) is not { } brand || !user.MayActOnBrand(brand))
        {
            return Problem.NotFound("The conversation");
        }

        var take = Paging.ClampLimit(limit);
        var items = await reader.TimelineAsync(workspaceId, id, after ?? 0, take, Privacy.ReadRedaction.View, ct);
        return TypedResults.Ok(
            new Timeline(items, items.Count == take ? items[^1].Version.ToString(CultureInfo.InvariantCulture) : null)
        );
    }
}
