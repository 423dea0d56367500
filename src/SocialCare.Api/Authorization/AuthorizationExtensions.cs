using Microsoft.AspNetCore.Authentication;
using SocialCare.Api.Infrastructure.Caching;

namespace SocialCare.Api.Authorization;

public static class AuthorizationExtensions
{
    public const string AdminPolicy = "admin";
    public const string WorkspacePolicy = "workspace";

    public static IServiceCollection AddApiKeyAuthentication(this IServiceCollection services)
    {
        services.ConfigureSwaggerGen(o => o.OperationFilter<ActorHeaderOperationFilter>());
        services
            .AddOptions<AdminOptions>()
            .BindConfiguration(AdminOptions.Section)
            .Validate(o => o.ApiKey is null || o.ApiKey.Length >= 24, "Admin:ApiKey must be at least 24 characters.")
            .ValidateOnStart();
        services.AddSingleton(sp => new ReadThroughCache<string, ApiKeyRecord>(
            ApiKeyRecord.CacheScope,
            sp.GetRequiredService<CacheInvalidation>(),
            sp.GetRequiredService<TimeProvider>()
        ));
        services.AddSingleton<ApiKeyLookup>();
        services
            .AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(
                ApiKeyAuthenticationHandler.SchemeName,
                null
            );
        services.AddSingleton<
            Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler,
            ProblemAuthorizationResultHandler
        >();
        services
            .AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, p => p.RequireRole(ApiPrincipal.AdminRole))
            .AddPolicy(WorkspacePolicy, p => p.RequireClaim(ApiPrincipal.WorkspaceClaim));
        services.AddAuthorization(options =>
        {
            foreach (var scope in Scopes.All)
            {
                options.AddPolicy(
                    ScopePolicy(scope),
                    p => p.RequireClaim(ApiPrincipal.WorkspaceClaim).RequireClaim(ApiPrincipal.ScopeClaim, scope)
                );
            }
        });
        return services;
    }

    /// <summary>Only a workspace key that carries <paramref name="scope"/> gets in.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder => builder.RequireAuthorization(ScopePolicy(scope));

    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.RequireAuthorization(AdminPolicy);

    public const string ScopePolicyPrefix = "scope:";

    private static string ScopePolicy(string scope) => ScopePolicyPrefix + scope;
}
