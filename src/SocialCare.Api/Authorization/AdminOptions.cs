namespace SocialCare.Api.Authorization;

/// <summary>The operator's key (configuration <c>Admin:ApiKey</c>, environment <c>Admin__ApiKey</c>): manages
/// workspaces and keys.</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    public string? ApiKey { get; set; }
}
