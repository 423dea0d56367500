using System.Diagnostics;
using Microsoft.AspNetCore.Http.Json;

namespace SocialCare.Api.Infrastructure.Problems;

public static class ProblemHandlingExtensions
{
    /// <summary>RFC 9457 problem details for every error the host can produce.</summary>
    public static IServiceCollection AddProblemHandling(this IServiceCollection services)
    {
        services
            .AddOptions<ApiOptions>()
            .BindConfiguration(ApiOptions.Section)
            .Validate(
                o => o.MaxRequestBodyBytes > 0 && o.MaxBatchRequestBodyBytes > 0,
                "Api:MaxRequestBodyBytes and Api:MaxBatchRequestBodyBytes must be positive."
            )
            .ValidateOnStart();
        services.AddProblemDetails(options =>
            options.CustomizeProblemDetails = context =>
            {
                var problem = context.ProblemDetails;
                var status = problem.Status ?? context.HttpContext.Response.StatusCode;
                if (!problem.Extensions.TryGetValue("code", out var code) || code is not string)
                {
                    // A problem produced by the framework (404, 405, 415 …): give it our stable type.
                    var derived = ProblemCodes.ForStatus(status);
                    problem.Extensions["code"] = derived;
                    problem.Type = ProblemCodes.TypePrefix + derived;
                    problem.Detail ??= DefaultDetail(status, context.HttpContext.Request);
                }

                problem.Instance ??= context.HttpContext.Request.Path;
                problem.Extensions["traceId"] = Activity.Current?.Id ?? context.HttpContext.TraceIdentifier;
            }
        );
        services.AddSingleton<ExceptionProblems>();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.Configure<JsonOptions>(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase;
            options.SerializerOptions.Converters.Add(
                new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase)
            );
        });
        // Binding failures throw, so that the exception handler can say *what* was wrong with the body.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    private static string? DefaultDetail(int status, HttpRequest request) =>
        status switch
        {
            StatusCodes.Status404NotFound =>
                $"Nothing is served at {request.Path}. The API lives under /v1; see /swagger.",
            StatusCodes.Status405MethodNotAllowed => $"{request.Path} does not accept {request.Method}.",
            StatusCodes.Status413PayloadTooLarge => "The request body is over the size limit.",
            StatusCodes.Status415UnsupportedMediaType => "Send the body as JSON with 'Content-Type: application/json'.",
            _ => null,
        };

    public static IApplicationBuilder UseProblemHandling(this IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        return app;
    }
}
