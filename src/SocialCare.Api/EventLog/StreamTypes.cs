namespace SocialCare.Api.EventLog;

/// <summary>
/// What a stream is the history of. Marten stores a stream's type as the name of an aggregate type (lower-cased), so
/// each is a type of its own here; they are stored with each stream (<c>mt_streams.type</c>) and never renamed once
/// written.
/// </summary>
public static class StreamTypes
{
    public sealed class Conversation;

    public sealed class Customer;

    public sealed class Subscription;

    /// <summary>A brand's care settings (<c>brand.configured</c>, <c>brand.removed</c>); the stream's version is the
    /// brand's ETag.</summary>
    public sealed class Brand;

    /// <summary>A team (<c>team.created</c>, <c>team.updated</c>, <c>team.deleted</c>); the stream's version is the
    /// team's ETag.</summary>
    public sealed class Team;

    /// <summary>An SLA policy (<c>sla_policy.created</c>, <c>sla_policy.updated</c>, <c>sla_policy.deleted</c>); the
    /// stream's version is the policy's ETag.</summary>
    public sealed class SlaPolicy;

    /// <summary>A triage rule (<c>rule.created</c>, <c>rule.updated</c>, <c>rule.deleted</c>); the stream's version is
    /// the rule's ETag.</summary>
    public sealed class Rule;

    /// <summary>A workspace's own history (<c>retention.applied</c>); the stream's id is the workspace's.</summary>
    public sealed class Workspace;
}
