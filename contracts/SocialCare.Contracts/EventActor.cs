namespace SocialCare.Contracts;

/// <summary>
/// Who caused an event. <c>kind</c> is <c>app</c> (an API key: <c>name</c> is the key's name, the department app),
/// <c>platform</c> (a channel's webhook), <c>system</c> (the hub itself: SLA clocks, a brand's default policy) or
/// <c>rule</c> (one of the workspace's triage rules). <c>person</c> is the optional person
/// id an app passes in the <c>X-Actor</c> header.
/// </summary>
/// <param name="Kind"><c>app</c>, <c>platform</c>, <c>system</c> or <c>rule</c>.</param>
/// <param name="KeyId">The API key's id, for an app; null otherwise.</param>
/// <param name="Name">The API key's name (the department app), the platform, or <c>socialcare-hub</c>.</param>
/// <param name="Person">The person acting through the app, from the <c>X-Actor</c> header; null if none was
/// named.</param>
/// <param name="RuleId">The triage rule's id, for a rule (whose name is <c>name</c>); null otherwise.</param>
public sealed record EventActor(
    [KnownValues(typeof(ActorKinds))] string Kind,
    string? KeyId,
    string? Name,
    string? Person,
    Guid? RuleId
)
{
    public static EventActor System { get; } = new(ActorKinds.System, null, "socialcare-hub", null, null);

    /// <summary>A triage rule, acting on its own.</summary>
    public static EventActor OfRule(Guid ruleId, string name) => new(ActorKinds.Rule, null, name, null, ruleId);
}
