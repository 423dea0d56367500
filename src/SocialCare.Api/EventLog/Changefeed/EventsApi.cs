using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SocialCare.Api.Authorization;
using SocialCare.Api.Infrastructure;
using SocialCare.Api.Privacy;

namespace SocialCare.Api.EventLog.Changefeed;

public static class EventsApi
{
    public static IServiceCollection AddChangefeed(this IServiceCollection services)
    {
        services
            .AddOptions<EventStreamOptions>()
            .BindConfiguration(EventStreamOptions.Section)
            .Validate(o => o.Heartbeat > TimeSpan.Zero, "Events:Heartbeat must be positive.")
            .Validate(
                o => o.MaxStreamLifetime >= o.Heartbeat,
                "Events:MaxStreamLifetime must be at least Events:Heartbeat."
            )
            .Validate(o => o.MaxStreamsPerKey > 0, "Events:MaxStreamsPerKey must be positive.")
            .ValidateOnStart();
        return services.AddSingleton<EventFeed>().AddSingleton<EventStreamSlots>();
    }

    public static RouteGroupBuilder MapEvents(this RouteGroupBuilder v1)
    {
        var events = v1.MapGroup("/events").WithTags("Events").RequireScope(Scopes.EventsRead);
        events
            .MapGet("/", Changefeed)
            .WithName("ListEvents")
            .WithSummary(
                "The workspace's changefeed in global order. Resume with after=<next>; types filters "
                    + "(conversation.* wildcards allowed)."
            );
        events
            .MapGet("/stream", EventStream.RunAsync)
            .WithName("StreamEvents")
            .WithSummary(
                "Server-Sent Events tail of the changefeed; resumes after Last-Event-ID (or after=). A stream "
                    + "ends after its lifetime (30 min by default): reconnect with Last-Event-ID. 429 too-many-streams "
                    + "past the streams one key may hold open (10 by default)."
            )
            .WithDescription(
                "Each Server-Sent Event has `id:` the sequence, `event:` the event type and `data:` one `FeedItem` as "
                    + "JSON, the same as a changefeed item; comment lines (`:`) keep the connection alive."
            )
            .Produces<FeedItem>(StatusCodes.Status200OK, contentType: "text/event-stream");
        return v1;
    }

    private static async Task<Ok<FeedPage>> Changefeed(
        ClaimsPrincipal user,
        EventFeed feed,
        long? after,
        string? types,
        int? limit,
        CancellationToken ct
    )
    {
        var from = Math.Max(0, after ?? 0);
        var items = await feed.ReadAsync(
            user.RequiredWorkspaceId(),
            from,
            Types(types),
            user.Brands(),
            Paging.ClampLimit(limit),
            ReadRedaction.View,
            ct
        );
        var next = items.Count > 0 ? items[^1].Sequence : from;
        return TypedResults.Ok(new FeedPage(items, next));
    }

    internal static string[]? Types(string? types) => string.IsNullOrWhiteSpace(types) ? null : [types];
}
