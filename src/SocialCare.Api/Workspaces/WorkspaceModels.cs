using FluentValidation;
using SocialCare.Api.Infrastructure.Validation;
using SocialCare.Contracts;

namespace SocialCare.Api.Workspaces;

public sealed record CreateWorkspaceRequest(string Name);

public sealed record WorkspaceResponse(Guid Id, string Name, DateTimeOffset CreatedAt);

public sealed record CreateApiKeyRequest(string Name, IReadOnlyList<string> Scopes, IReadOnlyList<string>? Brands);

/// <summary>An API key as listed: never its secret.</summary>
public sealed record ApiKeyResponse(
    Guid Id,
    Guid WorkspaceId,
    string Name,
    [KnownValues(typeof(Authorization.Scopes))] IReadOnlyList<string> Scopes,
    IReadOnlyList<string>? Brands,
    string Hint,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt
);

/// <summary>An API key just created: the only time its secret <c>key</c> is shown.</summary>
public sealed record CreatedApiKeyResponse(
    Guid Id,
    Guid WorkspaceId,
    string Name,
    [KnownValues(typeof(Authorization.Scopes))] IReadOnlyList<string> Scopes,
    IReadOnlyList<string>? Brands,
    string Hint,
    DateTimeOffset CreatedAt,
    string Key
);

/// <summary>What the calling key is: its workspace, name, scopes and brands.</summary>
public sealed record CurrentKeyResponse(
    WorkspaceResponse Workspace,
    Guid KeyId,
    string KeyName,
    [KnownValues(typeof(Authorization.Scopes))] IReadOnlyList<string> Scopes,
    IReadOnlyList<string>? Brands
);

internal sealed class CreateWorkspaceRequestValidator : AbstractValidator<CreateWorkspaceRequest>
{
    public CreateWorkspaceRequestValidator() => RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
}

internal sealed class CreateApiKeyRequestValidator : AbstractValidator<CreateApiKeyRequest>
{
    public CreateApiKeyRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
        RuleFor(r => r.Scopes)
            .NotEmpty()
            .WithMessage("Give the key at least one scope.")
            .MaxCount(Authorization.Scopes.All.Count)
            .WithMessage($"At most {Authorization.Scopes.All.Count} scopes.");
        RuleForEach(r => r.Scopes)
            .NotEmpty()
            .WithMessage("A scope is a name such as conversations:read.")
            .OneOf(Authorization.Scopes.All)
            .WithMessage(
                (_, scope) => $"Unknown scope '{scope}'. Known scopes: {string.Join(", ", Authorization.Scopes.All)}."
            );
        // An empty list would read as "no brand at all" to one caller and "every brand" to another: name the brands, or
        // omit the list.
        RuleFor(r => r.Brands)
            .MaxCount(100)
            .Must(b => b is null || b.Count > 0)
            .WithMessage("'brands' lists 1 to 100 brands; omit it for a key that may act on every brand.");
        RuleForEach(r => r.Brands).NotEmpty().MaximumLength(200);
    }
}
