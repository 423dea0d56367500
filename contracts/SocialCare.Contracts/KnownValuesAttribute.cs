using System.Reflection;

namespace SocialCare.Contracts;

/// <summary>
/// The field holds one of the values that <paramref name="source"/>'s static <c>All</c> lists. The hub's OpenAPI
/// document and event JSON Schemas show them as the field's <c>enum</c>; new values may be added in a minor version
/// (docs/versioning.md), so a consumer treats an unknown one as it would an unknown event type. An
/// <see cref="Open"/> set (channel types) names the values the hub knows; others are custom and valid.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class KnownValuesAttribute(Type source) : Attribute
{
    public IReadOnlyCollection<string> Values { get; } =
        source.GetProperty("All", BindingFlags.Public | BindingFlags.Static)?.GetValue(null)
            as IReadOnlyCollection<string>
        ?? throw new ArgumentException($"{source.Name} has no static All of strings.", nameof(source));

    public bool Open { get; init; }
}

/// <summary>Where an engagement or a reply is seen: in public (a post, a comment) or in private (a DM).</summary>
public static class Visibilities
{
    public const string Public = "public";
    public const string Private = "private";

    public static IReadOnlyList<string> All { get; } = [Public, Private];
}

/// <summary>How urgent a conversation is.</summary>
public static class PriorityLevels
{
    public static IReadOnlyList<string> All { get; } = ["low", "normal", "high", "urgent"];
}

/// <summary>Who causes events: an app's API key, a platform's webhook, the hub itself, or one of the workspace's
/// triage rules.</summary>
public static class ActorKinds
{
    public const string App = "app";
    public const string Platform = "platform";
    public const string System = "system";
    public const string Rule = "rule";

    public static IReadOnlyList<string> All { get; } = [App, Platform, System, Rule];
}
