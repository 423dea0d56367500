using Microsoft.AspNetCore.Diagnostics;

namespace SocialCare.Api.Infrastructure.Problems;

/// <summary>Answers a request that threw with the problem <see cref="ExceptionProblems"/> makes of it.</summary>
internal sealed class ApiExceptionHandler(ExceptionProblems problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(
        HttpContext context,
        Exception exception,
        CancellationToken cancellationToken
    )
    {
        var problem = problems.Describe(context.Request, exception);
        if (context.Response.HasStarted)
        {
            return false;
        }

        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            ExceptionProblems.AskToRetryLater(context.Response);
        }

        await Problem.WriteAsync(context, problem);
        return true;
    }
}
