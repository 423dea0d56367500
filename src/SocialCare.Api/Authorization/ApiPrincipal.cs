using System.Security.Claims;

namespace SocialCare.Api.Authorization;

/// <summary>The claims an authenticated caller carries, and typed access to them.</summary>
public static class ApiPrincipal
{
    public const string WorkspaceClaim = "workspace_id";
    public const string KeyIdClaim = "key_id";
    public const string KeyNameClaim = "key_name";
    public const string ScopeClaim = "scope";
    public const string BrandClaim = "brand";
    public const string AdminRole = "admin";

    public static Guid? WorkspaceId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(WorkspaceClaim), out var id) ? id : null;

    /// <summary>The workspace of an endpoint that requires a workspace key (the policy guarantees it).</summary>
    public static Guid RequiredWorkspaceId(this ClaimsPrincipal user) =>
        user.WorkspaceId()
        ?? throw new InvalidOperationException(
            "The endpoint requires a workspace key but its policy let another caller in."
        );

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(AdminRole);

    public static string? KeyId(this ClaimsPrincipal user) => user.FindFirstValue(KeyIdClaim);

    public static string? KeyName(this ClaimsPrincipal user) => user.FindFirstValue(KeyNameClaim);

    public static IReadOnlyList<string> Scopes(this ClaimsPrincipal user) =>
        user.FindAll(ScopeClaim).Select(c => c.Value).ToList();

    /// <summary>The brands a key is limited to, or null when it may act on every brand.</summary>
    public static IReadOnlyList<string>? Brands(this ClaimsPrincipal user)
    {
        var brands = user.FindAll(BrandClaim).Select(c => c.Value).ToList();
        return brands.Count == 0 ? null : brands;
    }

    /// <summary>Whether a key limited to some brands may act on <paramref name="brand"/>.</summary>
    public static bool MayActOnBrand(this ClaimsPrincipal user, string brand) =>
        user.Brands() is not { } brands || brands.Contains(brand, StringComparer.Ordinal);

    /// <summary>
    /// Whether the key may act on every one of <paramref name="brands"/>, a resource's brand list where null means
    /// every brand: a brand-limited key only on resources whose brands lie within its own.
    /// </summary>
    public static bool MayActOnBrands(this ClaimsPrincipal user, IReadOnlyList<string>? brands) =>
        user.Brands() is not { } mine
        || (brands is not null && brands.All(b => mine.Contains(b, StringComparer.Ordinal)));
}
