namespace SocialCare.Api.Subscriptions;

/// <summary>Outbound webhooks (configuration section <c>Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>Allow http and targets on loopback or private networks. For development and tests only.</summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>After a rotation, deliveries are signed with the old secret too for this long.</summary>
    public TimeSpan SecretRotationOverlap { get; set; } = TimeSpan.FromHours(24);
}
