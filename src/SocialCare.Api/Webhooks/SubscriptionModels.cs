using System.Linq.Expressions;
using System.Text.RegularExpressions;
using FluentValidation;
using SocialCare.Api.Infrastructure.Validation;
using SocialCare.Contracts;

namespace SocialCare.Api.Webhooks;

/// <summary>Which events of the subscribed types to deliver; every list is "any of", an omitted one matches
/// all.</summary>
public sealed record SubscriptionFilters(
    IReadOnlyList<string>? Brands,
    IReadOnlyList<string>? ChannelTypes,
    IReadOnlyList<string>? Tags,
    string? MinPriority
);

/// <summary>
/// <c>brands</c>: the brands whose events the subscription may receive at all, and so which keys see it (a key limited
/// to brands sees only subscriptions within them). Null means every brand, which only a key without a brand list may
/// ask for; a brand-limited key's subscription defaults to the key's brands. <c>pii</c>: how much of customers'
/// personal data its deliveries carry (<c>full</c> when omitted); only a key with <c>pii:read</c> may ask for
/// <c>full</c>.
/// </summary>
public sealed record CreateSubscriptionRequest(
    string Url,
    IReadOnlyList<string>? EventTypes,
    SubscriptionFilters? Filters,
    string? Description,
    bool? Enabled,
    IReadOnlyList<string>? Brands = null,
    [property: KnownValues(typeof(Privacy.PiiModes))] string? Pii = null
);

public sealed record UpdateSubscriptionRequest(
    string? Url,
    IReadOnlyList<string>? EventTypes,
    SubscriptionFilters? Filters,
    string? Description,
    bool? Enabled,
    IReadOnlyList<string>? Brands = null,
    [property: KnownValues(typeof(Privacy.PiiModes))] string? Pii = null
);

/// <summary>A subscription as listed: never its secret.</summary>
public sealed record SubscriptionResponse(
    Guid Id,
    string Url,
    IReadOnlyList<string> EventTypes,
    SubscriptionFilters Filters,
    string? Description,
    bool Enabled,
    string? DisabledReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<string>? Brands,
    [property: KnownValues(typeof(Privacy.PiiModes))] string Pii
);

/// <summary>A subscription just created, or its secret just rotated: the only time <c>secret</c> is shown.</summary>
public sealed record SubscriptionWithSecret(
    Guid Id,
    string Url,
    IReadOnlyList<string> EventTypes,
    SubscriptionFilters Filters,
    string? Description,
    bool Enabled,
    DateTimeOffset CreatedAt,
    string Secret,
    DateTimeOffset? PreviousSecretExpiresAt,
    IReadOnlyList<string>? Brands,
    [property: KnownValues(typeof(Privacy.PiiModes))] string Pii
);

internal static partial class SubscriptionRules
{
    /// <summary>An exact type (<c>conversation.assigned</c>), a family (<c>conversation.*</c>) or everything
    /// (<c>*</c>).</summary>
    [GeneratedRegex(@"^(\*|[a-z_]+\.\*|[a-z_]+\.[a-z_]+)$")]
    public static partial Regex EventType();

    /// <summary>The most entries any one list of a subscription (types, brands, filter values) may hold.</summary>
    public const int MaxListEntries = 100;

    public static void Apply<T>(
        AbstractValidator<T> validator,
        Expression<Func<T, string?>> url,
        Expression<Func<T, IReadOnlyList<string>?>> types,
        Expression<Func<T, SubscriptionFilters>> filters,
        Expression<Func<T, string?>> description,
        Expression<Func<T, IReadOnlyList<string>?>> brands,
        Expression<Func<T, string?>> pii
    )
    {
        validator.RuleFor(pii).OneOf(Privacy.PiiModes.All).WithMessage("'pii' is full, pseudonymous or none.");
        validator
            .RuleFor(url)
            .MaximumLength(2048)
            .Must(u =>
                u is null
                || (
                    Uri.TryCreate(u, UriKind.Absolute, out var uri)
                    && uri.Scheme is "https" or "http"
                    && string.IsNullOrEmpty(uri.UserInfo)
                )
            )
            .WithMessage("'url' must be an absolute https URL without credentials.");
        validator
            .RuleFor(types)
            .MaxCount(MaxListEntries)
            .Must(t => t is null || t.All(type => type is not null && EventType().IsMatch(type)))
            .WithMessage("Event types are exact names (conversation.assigned), families (conversation.*) or *.");
        validator.RuleFor(filters).SetValidator(new SubscriptionFiltersValidator());
        validator.RuleFor(description).MaximumLength(500);
        // An empty list would be read as "no brand" by some and "every brand" by others: omit it for every brand.
        validator
            .RuleFor(brands)
            .MaxCount(MaxListEntries)
            .Must(b => b is null || (b.Count > 0 && b.All(IsListValue)))
            .WithMessage(
                $"'brands' lists 1 to {MaxListEntries} brand names (each 1 to {MaxValueLength} characters); omit "
                    + "it for every brand the key may see."
            );
    }

    private const int MaxValueLength = 200;

    private static bool IsListValue(string? value) =>
        !string.IsNullOrWhiteSpace(value) && value.Length <= MaxValueLength;

    /// <summary>What a subscription's filters may hold: known priorities, and short lists of short values.</summary>
    private sealed class SubscriptionFiltersValidator : AbstractValidator<SubscriptionFilters>
    {
        public SubscriptionFiltersValidator()
        {
            RuleFor(f => f.MinPriority)
                .OneOf(PriorityLevels.All)
                .WithMessage("'minPriority' is low, normal, high or urgent.");
            ListRule(f => f.Brands, "filters.brands");
            ListRule(f => f.ChannelTypes, "filters.channelTypes");
            ListRule(f => f.Tags, "filters.tags");
        }

        private void ListRule(Expression<Func<SubscriptionFilters, IReadOnlyList<string>?>> list, string name) =>
            RuleFor(list)
                .MaxCount(MaxListEntries)
                .Must(l => l is null || l.All(IsListValue))
                .WithMessage($"'{name}' holds at most {MaxListEntries} values, each 1 to {MaxValueLength} characters.");
    }
}

internal sealed class CreateSubscriptionRequestValidator : AbstractValidator<CreateSubscriptionRequest>
{
    public CreateSubscriptionRequestValidator()
    {
        RuleFor(r => r.Url).NotEmpty();
        SubscriptionRules.Apply(
            this,
            r => r.Url,
            r => r.EventTypes,
            r => r.Filters!,
            r => r.Description,
            r => r.Brands,
            r => r.Pii
        );
    }
}

internal sealed class UpdateSubscriptionRequestValidator : AbstractValidator<UpdateSubscriptionRequest>
{
    public UpdateSubscriptionRequestValidator() =>
        SubscriptionRules.Apply(
            this,
            r => r.Url,
            r => r.EventTypes,
            r => r.Filters!,
            r => r.Description,
            r => r.Brands,
            r => r.Pii
        );
}

/// <summary>Re-send the log's events to a subscription from a point: exactly one of a sequence (inclusive) or a
/// time.</summary>
public sealed record ReplayRequest(long? FromSequence, DateTimeOffset? FromTime);

/// <summary>
/// What one replay call queued: <c>replayed</c> deliveries for the matching events among those scanned, up to
/// <c>scannedThrough</c>. When <c>next</c> is set, more events remain: call again with <c>fromSequence = next</c>.
/// </summary>
public sealed record ReplayResponse(int Replayed, long? ScannedThrough, long? Next);

internal sealed class ReplayRequestValidator : AbstractValidator<ReplayRequest>
{
    public ReplayRequestValidator()
    {
        RuleFor(r => r)
            .Must(r => r.FromSequence is null != r.FromTime is null)
            .OverridePropertyName("fromSequence")
            .WithMessage("Give exactly one of 'fromSequence' and 'fromTime'.");
        RuleFor(r => r.FromSequence).GreaterThanOrEqualTo(1).When(r => r.FromSequence is not null);
    }
}
