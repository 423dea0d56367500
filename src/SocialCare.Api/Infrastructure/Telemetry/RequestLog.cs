using System.Diagnostics;
using SocialCare.Api.Authorization;

namespace SocialCare.Api.Infrastructure.Telemetry;

/// <summary>The request's workspace scope and access line (<see cref="TelemetryExtensions.UseRequestLog"/>).</summary>
internal sealed partial class RequestLog(RequestDelegate next, ILoggerFactory loggers)
{
    private readonly ILogger _access = loggers.CreateLogger("SocialCare.Api.Access");

    public async Task InvokeAsync(HttpContext context)
    {
        if (TelemetryExtensions.IsPlumbing(context.Request.Path))
        {
            await next(context);
            return;
        }

        var workspace = context.User.FindFirst(ApiPrincipal.WorkspaceClaim)?.Value;
        using var scope = workspace is null ? null : _access.BeginScope(new WorkspaceScope(workspace));
        if (workspace is not null)
        {
            Activity.Current?.SetTag("socialcare.workspace.id", workspace);
        }

        var started = Stopwatch.GetTimestamp();
        var deferred = false;
        try
        {
            await next(context);
        }
        catch (Exception) when (!context.Response.HasStarted)
        {
            // The exception handler, further out, answers with a problem: the line is written as it starts to, with
            // the status it chose (a 400, a 409, a 503), not a 500 guessed here. It clears the endpoint first: the
            // route is taken now.
            deferred = true;
            var route = RouteOf(context);
            context.Response.OnStarting(() =>
            {
                // The request's own scope has ended by then: the line gets one of its own.
                using var again = workspace is null ? null : _access.BeginScope(new WorkspaceScope(workspace));
                Write(context, route, started);
                return Task.CompletedTask;
            });
            throw;
        }
        finally
        {
            if (!deferred)
            {
                Write(context, RouteOf(context), started);
            }
        }
    }

    private static string RouteOf(HttpContext context) =>
        (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";

    private void Write(HttpContext context, string route, long started)
    {
        if (!_access.IsEnabled(LogLevel.Information))
        {
            return;
        }

        LogRequest(
            _access,
            context.Request.Method,
            route,
            context.Response.StatusCode,
            Stopwatch.GetElapsedTime(started).TotalMilliseconds
        );
    }

    /// <summary>The scope's one property, written as such by the JSON formatter and as <c>WorkspaceId:…</c> by the
    /// simple one.</summary>
    private sealed class WorkspaceScope(string workspace) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly KeyValuePair<string, object?> _entry = new("WorkspaceId", workspace);

        public int Count => 1;

        public KeyValuePair<string, object?> this[int index] =>
            index == 0 ? _entry : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return _entry;
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"WorkspaceId:{workspace}";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Route} answered {Status} in {ElapsedMs:0.0} ms")]
    private static partial void LogRequest(ILogger logger, string method, string route, int status, double elapsedMs);
}
