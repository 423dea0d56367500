using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace SocialCare.Api.Authorization;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c>. The admin key comes from configuration; workspace keys are looked up by
/// hash, through a cache that every revocation empties on every instance (at once on the revoking instance, within
/// milliseconds elsewhere), so a revoked key stops working on the very next call.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyLookup keys,
    IOptionsMonitor<AdminOptions> admin,
    AuthenticationFailures failures
) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    internal const string FailureItem = "auth-failure";
    internal const string ThrottledItem = "auth-throttled";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            return Fail("The Authorization header must be 'Bearer <api key>'.");
        }

        if (failures.Exhausted(RateLimitingExtensions.ClientAddress(Context)))
        {
            Context.Items[ThrottledItem] = true;
            return AuthenticateResult.Fail("Too many failed authentications from this address.");
        }

        var key = header[7..].Trim();
        var adminKey = admin.CurrentValue.ApiKey;
        if (!string.IsNullOrEmpty(adminKey) && Infrastructure.Secrets.SecretComparison.AreEqual(adminKey, key))
        {
            var identity = new ClaimsIdentity(
                [
                    new Claim(ClaimTypes.Role, ApiPrincipal.AdminRole),
                    new Claim(ApiPrincipal.KeyIdClaim, "admin"),
                    new Claim(ApiPrincipal.KeyNameClaim, "admin"),
                ],
                SchemeName,
                ApiPrincipal.KeyNameClaim,
                ClaimTypes.Role
            );
            return Success(identity);
        }

        if (await keys.FindAsync(key, Context.RequestAborted) is not { } record)
        {
            return Fail("The API key is not valid or has been revoked.");
        }

        var claims = new List<Claim>
        {
            new(ApiPrincipal.KeyIdClaim, record.Id.ToString()),
            new(ApiPrincipal.WorkspaceClaim, record.WorkspaceId.ToString()),
            new(ApiPrincipal.KeyNameClaim, record.Name),
        };
        claims.AddRange(record.Scopes.Select(s => new Claim(ApiPrincipal.ScopeClaim, s)));
        claims.AddRange((record.Brands ?? []).Select(b => new Claim(ApiPrincipal.BrandClaim, b)));
        return Success(new ClaimsIdentity(claims, SchemeName, ApiPrincipal.KeyNameClaim, ClaimTypes.Role));
    }

    private static AuthenticateResult Success(ClaimsIdentity identity) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));

    private AuthenticateResult Fail(string reason)
    {
        failures.Record(RateLimitingExtensions.ClientAddress(Context));
        Context.Items[FailureItem] = reason;
        return AuthenticateResult.Fail(reason);
    }
}

/// <summary>A workspace API key as authentication needs it (cached by key hash).</summary>
public sealed record ApiKeyRecord(Guid Id, Guid WorkspaceId, string Name, string[] Scopes, string[]? Brands)
{
    public const string CacheScope = "api-keys";
}
