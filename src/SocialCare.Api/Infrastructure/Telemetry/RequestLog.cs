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
        var status = StatusCodes.Status500InternalServerError;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        finally
        {
            if (_access.IsEnabled(LogLevel.Information))
            {
                LogRequest(
                    _access,
                    context.Request.Method,
                    (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)",
                    status,
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds
                );
            }
        }
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
