using Microsoft.Extensions.Options;

namespace SocialCare.Api.Workspaces;

/// <summary>The development seed (configuration section <c>Demo</c>): a workspace holding a known key.</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    /// <summary>When set, a workspace named <see cref="WorkspaceName"/> with this key (every scope) exists after
    /// start-up.</summary>
    public string? ApiKey { get; set; }

    public string WorkspaceName { get; set; } = "Demo";
}

/// <summary>Runs after the migrations (hosted services start in registration order).</summary>
internal sealed partial class DemoWorkspaceSeeder(
    WorkspaceStore store,
    IOptions<DemoOptions> options,
    ILogger<DemoWorkspaceSeeder> logger
) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Value.ApiKey))
        {
            return;
        }

        var (workspaceId, revoked) = await store.EnsureWorkspaceWithKeyAsync(
            options.Value.WorkspaceName,
            options.Value.ApiKey,
            cancellationToken
        );
        if (revoked)
        {
            LogRevoked(logger, workspaceId);
            return;
        }

        LogSeeded(logger, options.Value.WorkspaceName, workspaceId);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Demo workspace '{Name}' ({WorkspaceId}) holds the configured Demo:ApiKey"
    )]
    private static partial void LogSeeded(ILogger logger, string name, Guid workspaceId);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "The configured Demo:ApiKey was revoked (workspace {WorkspaceId}); it stays revoked. "
            + "Configure another "
            + "key to get a working demo key."
    )]
    private static partial void LogRevoked(ILogger logger, Guid workspaceId);
}
