using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SocialCare.Api.Infrastructure.OpenApi;

/// <summary>Marks exactly the operations that need a key, and documents their 401/403 problems.</summary>
internal sealed class BearerSecurityOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        if (!metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<IAllowAnonymous>().Any())
        {
            return;
        }

        // The scopes the key needs, as OpenAPI 3.1 lets a non-OAuth requirement name roles.
        var scopes = metadata
            .OfType<IAuthorizeData>()
            .Select(a => a.Policy)
            .OfType<string>()
            .Where(p => p.StartsWith(Authorization.AuthorizationExtensions.ScopePolicyPrefix, StringComparison.Ordinal))
            .Select(p => p[Authorization.AuthorizationExtensions.ScopePolicyPrefix.Length..])
            .Distinct(StringComparer.Ordinal)
            .ToList();
        operation.Security ??= [];
        operation.Security.Add(
            new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(OpenApiExtensions.BearerScheme, context.Document)] = scopes,
            }
        );
        operation.Responses ??= new OpenApiResponses();
        operation.Responses.TryAdd(
            "401",
            new OpenApiResponse { Description = "Missing or invalid API key (problem details)." }
        );
        operation.Responses.TryAdd(
            "403",
            new OpenApiResponse
            {
                Description =
                    "The key lacks the scope this needs, or may not act on the brand it names (problem details).",
            }
        );
        operation.Responses.TryAdd(
            "429",
            new OpenApiResponse { Description = "Rate limited; see Retry-After (problem details)." }
        );
    }
}
