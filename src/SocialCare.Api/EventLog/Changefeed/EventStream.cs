using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using SocialCare.Api.Authorization;
using SocialCare.Api.Infrastructure;
using SocialCare.Api.Infrastructure.Problems;

namespace SocialCare.Api.EventLog.Changefeed;

/// <summary>
/// <c>GET /v1/events/stream</c>: the changefeed as Server-Sent Events. A stream wakes when its workspace commits
/// events, checks at least every heartbeat that its key was not revoked since, and ends after its lifetime (the client
/// resumes with <c>Last-Event-ID</c>); one key holds at most <see cref="EventStreamOptions.MaxStreamsPerKey"/> at once
/// per instance.
/// </summary>
internal static class EventStream
{
    public static async Task RunAsync(
        HttpContext http,
        EventFeed feed,
        SequencedSignal signal,
        ApiKeyLookup keys,
        EventStreamSlots slots,
        IOptionsMonitor<EventStreamOptions> options,
        TimeProvider clock,
        long? after,
        string? types,
        [Microsoft.AspNetCore.Mvc.FromHeader(Name = "Last-Event-ID")] string? lastEventId
    )
    {
        var settings = options.CurrentValue;
        using var slot = slots.TryOpen(http.User.KeyId()!, settings.MaxStreamsPerKey);
        if (slot is null)
        {
            // A stream whose client has gone is noticed at its next heartbeat at the latest, and its slot freed.
            var seconds = Math.Max(1, (int)Math.Ceiling(settings.Heartbeat.TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await Problem.WriteAsync(
                http,
                Problem.Details(
                    StatusCodes.Status429TooManyRequests,
                    ProblemCodes.TooManyStreams,
                    "Too many event streams",
                    $"This API key already holds {settings.MaxStreamsPerKey} event streams; close one, or retry "
                        + $"after {seconds} s."
                )
            );
            return;
        }

        var ct = http.RequestAborted;
        var cursor = long.TryParse(lastEventId, CultureInfo.InvariantCulture, out var lastId)
            ? lastId
            : Math.Max(0, after ?? 0);
        var workspaceId = http.User.RequiredWorkspaceId();
        var (typeFilter, brands) = (EventsApi.Types(types), http.User.Brands());
        var ends = clock.GetUtcNow() + settings.MaxStreamLifetime * (1 - (Random.Shared.NextDouble() / 10));
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        await WriteAsync(http, "retry: 2000\n\n", ct);
        var lastWrite = clock.GetUtcNow();
        try
        {
            while (await keys.StillValidAsync(http, ct))
            {
                var now = clock.GetUtcNow();
                if (now >= ends)
                {
                    await WriteAsync(
                        http,
                        ": this stream has reached its lifetime; reconnect with Last-Event-ID\n\n",
                        ct
                    );
                    return;
                }

                var woken = signal.Next(workspaceId);
                var items = await feed.ReadAsync(
                    workspaceId,
                    cursor,
                    typeFilter,
                    brands,
                    Paging.MaxLimit,
                    Privacy.ReadRedaction.View,
                    ct
                );
                if (items.Count > 0)
                {
                    await WriteAsync(http, Format(items), ct);
                    (cursor, lastWrite) = (items[^1].Sequence, clock.GetUtcNow());
                    continue;
                }

                if (now - lastWrite >= settings.Heartbeat)
                {
                    await WriteAsync(http, ": keep-alive\n\n", ct);
                    lastWrite = now;
                }

                await WaitAsync(woken, Min(settings.Heartbeat - (now - lastWrite), ends - now), clock, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away: that is how a tail ends.
        }
    }

    private static async Task WaitAsync(Task woken, TimeSpan timeout, TimeProvider clock, CancellationToken ct)
    {
        try
        {
            await woken.WaitAsync(timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero, clock, ct);
        }
        catch (TimeoutException)
        {
            // Nothing new in time: the loop checks the key, the lifetime and the heartbeat.
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string Format(IReadOnlyList<FeedItem> items)
    {
        var text = new StringBuilder();
        foreach (var item in items)
        {
            text.Append(CultureInfo.InvariantCulture, $"id: {item.Sequence}\nevent: {item.Type}\ndata: ")
                .Append(System.Text.Json.JsonSerializer.Serialize(item, EventLog.EventTypeRegistry.Json))
                .Append("\n\n");
        }

        return text.ToString();
    }

    private static async Task WriteAsync(HttpContext http, string text, CancellationToken ct)
    {
        await http.Response.WriteAsync(text, ct);
        await http.Response.Body.FlushAsync(ct);
    }
}
