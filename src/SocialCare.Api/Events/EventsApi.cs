using System.Globalization;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using SocialCare.Api.Authorization;
using SocialCare.Api.Infrastructure;
using SocialCare.Api.Infrastructure.Relay;

namespace SocialCare.Api.Events;

public static class EventsApi
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static IServiceCollection AddEvents(this IServiceCollection services) => services.AddSingleton<EventFeed>();

    public static RouteGroupBuilder MapEvents(this RouteGroupBuilder v1)
    {
        var events = v1.MapGroup("/events").WithTags("Events").RequireScope(Scopes.EventsRead);
        events.MapGet("/", Changefeed).WithName("ListEvents")
            .WithSummary("The workspace's changefeed in global order. Resume with after=<next>; types filters (conversation.* wildcards allowed).");
        events.MapGet("/stream", Stream).WithName("StreamEvents")
            .WithSummary("Server-Sent Events tail of the changefeed; resumes after Last-Event-ID (or after=).")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return v1;
    }

    private static async Task<Ok<FeedPage>> Changefeed(ClaimsPrincipal user, EventFeed feed, long? after, string? types, int? limit, CancellationToken ct)
    {
        var from = Math.Max(0, after ?? 0);
        var items = await feed.ReadAsync(user.RequiredWorkspaceId(), from, Types(types), user.Brands(), Paging.ClampLimit(limit), ct);
        var next = items.Count > 0 ? items[^1].Sequence : from;
        return TypedResults.Ok(new FeedPage(items, next.ToString(CultureInfo.InvariantCulture)));
    }

    private static async Task Stream(HttpContext http, EventFeed feed, SequencedSignal signal, long? after, string? types)
    {
        var ct = http.RequestAborted;
        var cursor = long.TryParse(http.Request.Headers["Last-Event-ID"], CultureInfo.InvariantCulture, out var lastId) ? lastId : Math.Max(0, after ?? 0);
        var workspaceId = http.User.RequiredWorkspaceId();
        var (typeFilter, brands) = (Types(types), http.User.Brands());
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        await http.Response.WriteAsync("retry: 2000\n\n", ct);
        await http.Response.Body.FlushAsync(ct);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var items = await feed.ReadAsync(workspaceId, cursor, typeFilter, brands, Paging.MaxLimit, ct);
                if (items.Count == 0)
                {
                    await signal.WaitAsync(Heartbeat, ct);
                    await http.Response.WriteAsync(": keep-alive\n\n", ct);
                    await http.Response.Body.FlushAsync(ct);
                    continue;
                }

                var text = new StringBuilder();
                foreach (var item in items)
                {
                    text.Append(CultureInfo.InvariantCulture, $"id: {item.Sequence}\nevent: {item.Type}\ndata: ")
                        .Append(System.Text.Json.JsonSerializer.Serialize(item, Infrastructure.EventStore.EventTypeRegistry.Json)).Append("\n\n");
                }

                await http.Response.WriteAsync(text.ToString(), ct);
                await http.Response.Body.FlushAsync(ct);
                cursor = items[^1].Sequence;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away: that is how a tail ends.
        }
    }

    private static string[]? Types(string? types) => string.IsNullOrWhiteSpace(types) ? null : [types];
}
