using FluentValidation;
using SocialCare.Api.Infrastructure.Validation;

namespace SocialCare.Api.Workflow.Teams;

/// <summary>A team: its name is what <c>assign</c> names; <c>brands</c> the brands whose conversations it takes (omit
/// for every brand, which only a key without a brand list may ask for).</summary>
public sealed record CreateTeamRequest(string Name, List<string>? Brands, string? Description);

/// <summary>Every member optional: a value replaces. <c>brands</c> set to a list replaces the team's brands.</summary>
public sealed record UpdateTeamRequest(string? Name, List<string>? Brands, string? Description);

/// <summary>A team; <c>version</c> is also its ETag.</summary>
public sealed record TeamResponse(
    Guid Id,
    string Name,
    IReadOnlyList<string>? Brands,
    string? Description,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt
);

internal static class TeamRules
{
    public const int MaxBrands = 100;

    public static void Apply<T>(
        AbstractValidator<T> validator,
        System.Linq.Expressions.Expression<Func<T, string?>> name,
        System.Linq.Expressions.Expression<Func<T, List<string>?>> brands,
        System.Linq.Expressions.Expression<Func<T, string?>> description
    )
    {
        validator
            .RuleFor(name)
            .MaximumLength(200)
            .Must(n => n is null || n.Trim().Length > 0)
            .WithMessage("A team's name is 1 to 200 characters.");
        validator
            .RuleFor(brands)
            .MaxCount(MaxBrands)
            .Must(b => b is null || b.Count > 0)
            .WithMessage($"'brands' lists 1 to {MaxBrands} brands; omit it for every brand.");
        validator.RuleFor(description).MaximumLength(1000);
    }
}

internal sealed class CreateTeamRequestValidator : AbstractValidator<CreateTeamRequest>
{
    public CreateTeamRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty();
        TeamRules.Apply(this, r => r.Name, r => r.Brands, r => r.Description);
        RuleForEach(r => r.Brands).NotEmpty().MaximumLength(200);
    }
}

internal sealed class UpdateTeamRequestValidator : AbstractValidator<UpdateTeamRequest>
{
    public UpdateTeamRequestValidator()
    {
        TeamRules.Apply(this, r => r.Name, r => r.Brands, r => r.Description);
        RuleForEach(r => r.Brands).NotEmpty().MaximumLength(200);
    }
}
