using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace SocialCare.Api.Infrastructure.Problems;

/// <summary>Builds the one problem shape every endpoint answers with.</summary>
public static partial class Problem
{
    public static ProblemHttpResult Of(int status, string code, string title, string? detail = null) =>
        TypedResults.Problem(Details(status, code, title, detail));

    public static ProblemDetails Details(int status, string code, string title, string? detail = null)
    {
        var problem = new ProblemDetails
        {
            Status = status,
            Type = ProblemCodes.TypePrefix + code,
            Title = title,
            Detail = detail,
        };
        problem.Extensions["code"] = code;
        return problem;
    }

    public static ProblemHttpResult NotFound(string what) =>
        Of(StatusCodes.Status404NotFound, ProblemCodes.NotFound, "Not found", $"{what} does not exist.");

    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors) =>
        TypedResults.Problem(ValidationDetails(errors));

    public static HttpValidationProblemDetails ValidationDetails(IDictionary<string, string[]> errors)
    {
        var problem = new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Type = ProblemCodes.TypePrefix + ProblemCodes.ValidationFailed,
            Title = "The request is not valid",
            Detail = "One or more fields failed validation; see errors.",
        };
        problem.Extensions["code"] = ProblemCodes.ValidationFailed;
        return problem;
    }

    /// <summary>Writes a problem outside an endpoint (middleware, auth handlers, rate limiter, event
    /// streams).</summary>
    public static async Task WriteAsync(HttpContext context, ProblemDetails problem)
    {
        context.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        var details = new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem };
        if (await context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(details))
        {
            return;
        }

        // The client accepts no JSON (an EventSource asks for text/event-stream only): it gets the same problem all the
        // same.
        context
            .RequestServices.GetRequiredService<IOptions<ProblemDetailsOptions>>()
            .Value.CustomizeProblemDetails?.Invoke(details);
        await context.Response.WriteAsJsonAsync(
            problem,
            problem.GetType(),
            options: null,
            contentType: "application/problem+json"
        );
    }
}
