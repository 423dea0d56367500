using Microsoft.AspNetCore.Http.HttpResults;

namespace SocialCare.Api.Infrastructure.Problems;

/// <summary>
/// Why a domain decision refuses a command: a stable problem code and words for people, and nothing of HTTP. Endpoints
/// turn it into a problem response with <see cref="Problem.Rejected"/>, whose status comes from the code (one table).
/// </summary>
public sealed record Rejection(string Code, string Detail);

public static partial class Problem
{
    /// <summary>The problem a <paramref name="rejection"/> answers with: its code's status, and <paramref
    /// name="title"/>.</summary>
    public static ProblemHttpResult Rejected(Rejection rejection, string title) =>
        Of(ProblemCodes.StatusOf(rejection.Code), rejection.Code, title, rejection.Detail);
}
