using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Npgsql;

namespace SocialCare.Api.Authorization;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c>. The admin key comes from configuration; workspace keys are
/// looked up by hash on every request, so a revoked key stops working on the very next call.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    NpgsqlDataSource dataSource,
    IOptionsMonitor<AdminOptions> admin) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    internal const string FailureItem = "auth-failure";

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

        var key = header[7..].Trim();
        var adminKey = admin.CurrentValue.ApiKey;
        if (!string.IsNullOrEmpty(adminKey) &&
            CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(adminKey)))
        {
            var identity = new ClaimsIdentity(
                [new Claim(ClaimTypes.Role, ApiPrincipal.AdminRole), new Claim(ApiPrincipal.KeyIdClaim, "admin"), new Claim(ApiPrincipal.KeyNameClaim, "admin")],
                SchemeName, ApiPrincipal.KeyNameClaim, ClaimTypes.Role);
            return Success(identity);
        }

        await using var command = dataSource.CreateCommand(
            "select id, workspace_id, name, scopes, brands from api_keys where key_hash = $1 and revoked_at is null");
        command.Parameters.Add(new NpgsqlParameter { Value = ApiKeys.Hash(key) });
        await using var reader = await command.ExecuteReaderAsync(Context.RequestAborted);
        if (!await reader.ReadAsync(Context.RequestAborted))
        {
            return Fail("The API key is not valid or has been revoked.");
        }

        var claims = new List<Claim>
        {
            new(ApiPrincipal.KeyIdClaim, reader.GetGuid(0).ToString()),
            new(ApiPrincipal.WorkspaceClaim, reader.GetGuid(1).ToString()),
            new(ApiPrincipal.KeyNameClaim, reader.GetString(2)),
        };
        claims.AddRange(reader.GetFieldValue<string[]>(3).Select(s => new Claim(ApiPrincipal.ScopeClaim, s)));
        if (!reader.IsDBNull(4))
        {
            claims.AddRange(reader.GetFieldValue<string[]>(4).Select(b => new Claim(ApiPrincipal.BrandClaim, b)));
        }

        return Success(new ClaimsIdentity(claims, SchemeName, ApiPrincipal.KeyNameClaim, ClaimTypes.Role));
    }

    private static AuthenticateResult Success(ClaimsIdentity identity) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));

    private AuthenticateResult Fail(string reason)
    {
        Context.Items[FailureItem] = reason;
        return AuthenticateResult.Fail(reason);
    }
}
