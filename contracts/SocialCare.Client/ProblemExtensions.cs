using System.Reflection;
using System.Runtime.Serialization;
using SocialCare.Client.Models;

namespace SocialCare.Client;

/// <summary>
/// The hub answers every refusal with a problem (RFC 9457, <c>application/problem+json</c>, docs/problems.md), which
/// the generated client throws as <see cref="Problem"/>. Switch on <see cref="CodeName"/>; the rest is for people.
/// </summary>
public static class ProblemExtensions
{
    /// <summary>The stable code as the hub writes it (<c>window-closed</c>); null when the hub sent a code this client
    /// was generated before.</summary>
    public static string? CodeName(this Problem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return problem.Code is { } code
            ? typeof(Problem_code).GetField(code.ToString())?.GetCustomAttribute<EnumMemberAttribute>()?.Value
            : null;
    }

    /// <summary>One line for a log or an exception: status, code, detail and the trace id to quote.</summary>
    public static string Describe(this Problem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return $"{problem.ResponseStatusCode} {problem.CodeName() ?? "(unknown code)"}: "
            + $"{problem.Detail ?? problem.Title} (trace {problem.TraceId})";
    }
}
