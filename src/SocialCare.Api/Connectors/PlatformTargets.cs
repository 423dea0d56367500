using Microsoft.Extensions.Options;
using SocialCare.Api.Infrastructure.Outbound;

namespace SocialCare.Api.Connectors;

/// <summary>
/// Where a channel's API base URL override may point: https on public hosts, checked when it is saved and on every
/// connection (<see cref="OutboundTargets"/>), since every call there carries the account's stored token.
/// <see cref="ConnectorOptions.AllowPrivateTargets"/> lifts both rules for development and tests (a fake platform).
/// </summary>
public sealed class PlatformTargets(IOptionsMonitor<ConnectorOptions> options)
{
    public OutboundRule Rule { get; } = new("API base URL", "Connectors:AllowPrivateTargets", () => options.CurrentValue.AllowPrivateTargets);

    /// <summary>Null when the URL may be used; otherwise why not.</summary>
    public Task<string?> CheckAsync(string url, CancellationToken ct) => OutboundTargets.CheckAsync(url, Rule, ct);
}
