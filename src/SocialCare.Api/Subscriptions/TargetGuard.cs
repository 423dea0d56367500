using Microsoft.Extensions.Options;
using SocialCare.Api.Infrastructure.Outbound;

namespace SocialCare.Api.Subscriptions;

/// <summary>
/// Keeps webhooks from being aimed inside the hub's own network (SSRF): targets must be https and resolve only to
/// public addresses, when saved and on every connection (<see cref="OutboundTargets"/>).
/// <see cref="WebhookOptions.AllowPrivateTargets"/> lifts both rules for development and tests.
/// </summary>
public sealed class TargetGuard(IOptionsMonitor<WebhookOptions> options)
{
    public OutboundRule Rule { get; } = new("webhook URL", "Webhooks:AllowPrivateTargets", () => options.CurrentValue.AllowPrivateTargets);

    /// <summary>Null when the URL may be used; otherwise why not.</summary>
    public Task<string?> CheckAsync(string url, CancellationToken ct) => OutboundTargets.CheckAsync(url, Rule, ct);
}
