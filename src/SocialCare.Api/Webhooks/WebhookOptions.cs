namespace SocialCare.Api.Webhooks;

/// <summary>Outbound webhooks (configuration section <c>Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>
    /// The service key of the webhooks' <see cref="Infrastructure.Outbound.OutboundRule"/>: https on public hosts,
    /// checked when a subscription is saved and on every connection; <see cref="AllowPrivateTargets"/> lifts it for
    /// development and tests.
    /// </summary>
    public const string Targets = "webhook-targets";

    /// <summary>Allow http and targets on loopback or private networks. For development and tests only.</summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>After a rotation, deliveries are signed with the old secret too for this long.</summary>
    public TimeSpan SecretRotationOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The attempts: entry 0 stands for the first attempt, made as soon as the event is fanned out; entry N is the wait
    /// after the N-th failed attempt. After as many attempts as entries the delivery is dead. Empty means
    /// <see cref="DefaultRetrySchedule"/>. Tests compress it.
    /// </summary>
    public List<TimeSpan> RetrySchedule { get; set; } = [];

    /// <summary>The Standard Webhooks recommendation: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h
    /// (about three days).</summary>
    public static IReadOnlyList<TimeSpan> DefaultRetrySchedule { get; } =
    [
        TimeSpan.Zero,
        TimeSpan.FromSeconds(5),
        TimeSpan.FromMinutes(5),
        TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(2),
        TimeSpan.FromHours(5),
        TimeSpan.FromHours(10),
        TimeSpan.FromHours(14),
        TimeSpan.FromHours(20),
        TimeSpan.FromHours(24),
    ];

    /// <summary>An endpoint whose every attempt has failed for this long is disabled (a <c>subscription.disabled</c>
    /// event says so).</summary>
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(5);

    /// <summary>How long one attempt may take before it counts as failed.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Deliveries in flight at once per hub instance.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 128;

    /// <summary>
    /// Of those, at most this many to one endpoint: an endpoint that hangs until the timeout holds only its own slots,
    /// and every other subscriber keeps being served.
    /// </summary>
    public int MaxConcurrentPerEndpoint { get; set; } = 16;

    /// <summary>
    /// The queue the fan-out consumes, bound to every event exchange. Every instance of one hub deployment shares it
    /// (competing consumers); a hub on another database must not, or it would take events it cannot see.
    /// </summary>
    public string FanOutQueue { get; set; } = "socialcare-webhooks";

    /// <summary>A non-durable queue deleted when the hub stops: for throwaway hubs (tests), never for a
    /// deployment.</summary>
    public bool FanOutQueueTemporary { get; set; }

    /// <summary>The most subscriptions (not deleted) one workspace may have: each one costs every event of the
    /// workspace a match.</summary>
    public int MaxSubscriptionsPerWorkspace { get; set; } = 100;

    /// <summary>How much of a response body the delivery log keeps.</summary>
    public int ResponseBodyLimit { get; set; } = 1024;
}
