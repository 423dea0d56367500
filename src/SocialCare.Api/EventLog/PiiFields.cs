using System.Collections;
using System.Reflection;
using System.Text.Json;
using SocialCare.Contracts;

namespace SocialCare.Api.EventLog;

/// <summary>
/// Where a contract holds personal data, read from its <see cref="PiiAttribute"/>s: the one declaration that the event
/// schemas show (<c>x-pii</c>) and that redaction, erasure and retention work from (docs/privacy.md).
/// </summary>
public static class PiiFields
{
    /// <summary>The category of a field, declared on its property or, for a positional record, on its constructor
    /// parameter; null when the field is not personal.</summary>
    public static string? Of(MemberInfo? member, Type declaring, string jsonName) =>
        (
            member?.GetCustomAttribute<PiiAttribute>()
            ?? declaring
                .GetConstructors()
                .SelectMany(c => c.GetParameters())
                .FirstOrDefault(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name ?? "") == jsonName)
                ?.GetCustomAttribute<PiiAttribute>()
        )?.Category;

    /// <summary>Every personal field of <paramref name="type"/>, as JSON paths (<c>author.displayName</c>; a list's
    /// items share their list's path) with their category, in declaration order.</summary>
    public static IReadOnlyList<(string Path, string Category)> Paths(Type type) => [.. Walk(type, "", 0)];

    private static IEnumerable<(string, string)> Walk(Type type, string prefix, int depth)
    {
        if (depth > 5)
        {
            yield break;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            var path = prefix.Length == 0 ? name : $"{prefix}.{name}";
            if (Of(property, property.DeclaringType ?? type, name) is { } category)
            {
                yield return (path, category);
                continue;
            }

            var inner = ElementType(property.PropertyType);
            if (inner.Namespace == typeof(HubEvent).Namespace && inner.IsClass && inner != typeof(EventActor))
            {
                foreach (var nested in Walk(inner, path, depth + 1))
                {
                    yield return nested;
                }
            }
        }
    }

    private static Type ElementType(Type type) =>
        type != typeof(string) && type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type)
            ? type.GetGenericArguments()[^1]
            : type;
}
