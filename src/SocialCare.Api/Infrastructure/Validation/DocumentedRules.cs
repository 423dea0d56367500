using FluentValidation;
using FluentValidation.Validators;

namespace SocialCare.Api.Infrastructure.Validation;

/// <summary>A rule that only admits a closed set of values; the OpenAPI document lists them as the field's
/// enum.</summary>
public interface IAllowedValuesValidator
{
    IReadOnlyCollection<string> Values { get; }
}

/// <summary>A rule that bounds how many entries a list may hold; the OpenAPI document shows it as
/// <c>maxItems</c>.</summary>
public interface IMaxCountValidator
{
    int Max { get; }
}

/// <summary>
/// Rules the validators and the OpenAPI document share: the validator enforces them, the document shows them
/// (<c>enum</c>, <c>maxItems</c>), so the two cannot say different things. A null passes both, as with
/// FluentValidation's own length rules: <c>NotNull</c> or <c>NotEmpty</c> says whether a value is required.
/// </summary>
public static class DocumentedRules
{
    public static IRuleBuilderOptions<T, string?> OneOf<T>(
        this IRuleBuilder<T, string?> rule,
        IReadOnlyCollection<string> values
    ) => rule.SetValidator(new AllowedValuesValidator<T>(values));

    public static IRuleBuilderOptions<T, TList?> MaxCount<T, TList>(this IRuleBuilder<T, TList?> rule, int max)
        where TList : System.Collections.IEnumerable => rule.SetValidator(new MaxCountValidator<T, TList>(max));

    private sealed class AllowedValuesValidator<T>(IReadOnlyCollection<string> values)
        : PropertyValidator<T, string?>,
            IAllowedValuesValidator
    {
        public IReadOnlyCollection<string> Values => values;

        public override string Name => "AllowedValues";

        public override bool IsValid(ValidationContext<T> context, string? value) =>
            value is null || values.Contains(value, StringComparer.Ordinal);

        protected override string GetDefaultMessageTemplate(string errorCode) =>
            $"'{{PropertyName}}' is one of: {string.Join(", ", values)}.";
    }

    private sealed class MaxCountValidator<T, TList>(int max) : PropertyValidator<T, TList?>, IMaxCountValidator
        where TList : System.Collections.IEnumerable
    {
        public int Max => max;

        public override string Name => "MaxCount";

        public override bool IsValid(ValidationContext<T> context, TList? value) =>
            value is null || value.Cast<object?>().Take(max + 1).Count() <= max;

        protected override string GetDefaultMessageTemplate(string errorCode) =>
            $"'{{PropertyName}}' holds at most {max} entries.";
    }
}
