using Microsoft.AspNetCore.Mvc;

namespace SocialCare.Api.Infrastructure.Problems;

/// <summary>
/// An exception that is the caller's to fix, and says how as a problem: the exception handler answers with
/// <see cref="Problem"/> instead of a 500, whichever module threw it.
/// </summary>
public interface IHasProblem
{
    ProblemDetails Problem { get; }
}
