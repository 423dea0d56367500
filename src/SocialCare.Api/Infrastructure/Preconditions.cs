using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using SocialCare.Api.Infrastructure.Problems;

namespace SocialCare.Api.Infrastructure;

/// <summary>
/// Optimistic concurrency over HTTP for the hub's versioned resources (a conversation, a brand): the version is the
/// resource's event stream's version, answered quoted as <c>ETag</c> and sent back as <c>If-Match</c>.
/// </summary>
public static class Preconditions
{
    public static string ETag(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>The version <c>If-Match</c> names; null when there is none (or <c>*</c>). False when the header is not
    /// a version the hub gave out.</summary>
    public static bool TryReadIfMatch(HttpContext http, out long? expected)
    {
        expected = null;
        string? header = http.Request.Headers.IfMatch;
        if (string.IsNullOrWhiteSpace(header) || header.Trim() == "*")
        {
            return true;
        }

        var tag = header.Trim();
        if (tag.StartsWith("W/", StringComparison.Ordinal))
        {
            tag = tag[2..];
        }

        if (long.TryParse(tag.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            expected = version;
            return true;
        }

        return false;
    }

    /// <summary>400: <c>If-Match</c> is not an ETag the hub gives out for <paramref name="resource"/>.</summary>
    public static ProblemHttpResult InvalidIfMatch(string resource) =>
        Problem.Of(
            StatusCodes.Status400BadRequest,
            ProblemCodes.BadRequest,
            "Invalid If-Match",
            $"If-Match must be the {resource}'s ETag, e.g. \"2\"."
        );

    /// <summary>412: <paramref name="resource"/> is not at the version <c>If-Match</c> names.</summary>
    public static ProblemHttpResult Changed(string resource) =>
        Problem.Of(
            StatusCodes.Status412PreconditionFailed,
            ProblemCodes.PreconditionFailed,
            $"The {resource} has changed",
            $"The {resource} is not at the version If-Match names; fetch it and retry."
        );
}
