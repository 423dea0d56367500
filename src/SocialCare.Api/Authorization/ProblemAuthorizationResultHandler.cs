using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using SocialCare.Api.Infrastructure.Problems;

namespace SocialCare.Api.Authorization;

/// <summary>
/// 401 and 403 as problems that say what was missing: a key, a valid key, the admin key or a scope; 429 for an address
/// that failed to authenticate too often (<see cref="AuthenticationFailures"/>).
/// </summary>
internal sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(
        RequestDelegate next,
        HttpContext context,
        AuthorizationPolicy policy,
        PolicyAuthorizationResult authorizeResult
    )
    {
        if (authorizeResult.Challenged && context.Items.ContainsKey(ApiKeyAuthenticationHandler.ThrottledItem))
        {
            await RateLimitingExtensions.WriteTooManyAsync(
                context,
                AuthenticationFailures.RetryAfterSeconds,
                "Too many failed authentications from this address; retry after "
                    + $"{AuthenticationFailures.RetryAfterSeconds} s with a valid API key."
            );
            return;
        }

        if (authorizeResult.Challenged)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            var reason =
                context.Items[ApiKeyAuthenticationHandler.FailureItem] as string
                ?? "Send an API key as 'Authorization: Bearer <api key>'.";
            await Problem.WriteAsync(
                context,
                Problem.Details(
                    StatusCodes.Status401Unauthorized,
                    ProblemCodes.Unauthorized,
                    "Authentication required",
                    reason
                )
            );
            return;
        }

        if (authorizeResult.Forbidden)
        {
            await Problem.WriteAsync(
                context,
                Problem.Details(
                    StatusCodes.Status403Forbidden,
                    ProblemCodes.Forbidden,
                    "Not allowed",
                    Describe(authorizeResult.AuthorizationFailure)
                )
            );
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }

    private static string Describe(AuthorizationFailure? failure)
    {
        var requirements = failure?.FailedRequirements.ToList() ?? [];
        var scopes = requirements
            .OfType<ClaimsAuthorizationRequirement>()
            .Where(r => r.ClaimType == ApiPrincipal.ScopeClaim)
            .SelectMany(r => r.AllowedValues ?? [])
            .ToList();
        if (scopes.Count > 0)
        {
            return $"This API key lacks the scope '{string.Join("', '", scopes)}'.";
        }

        if (requirements.OfType<RolesAuthorizationRequirement>().Any())
        {
            return "This operation needs the admin key.";
        }

        return requirements
            .OfType<ClaimsAuthorizationRequirement>()
            .Any(r => r.ClaimType == ApiPrincipal.WorkspaceClaim)
            ? "This operation needs a workspace API key."
            : "This API key may not perform this operation.";
    }
}
