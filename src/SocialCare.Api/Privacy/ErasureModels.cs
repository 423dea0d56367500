using FluentValidation;
using SocialCare.Contracts;

namespace SocialCare.Api.Privacy;

/// <summary>Where an erasure stands.</summary>
public static class ErasureStatus
{
    /// <summary>Erased in the hub; some parties have not confirmed yet.</summary>
    public const string AwaitingReceipts = "awaiting_receipts";

    /// <summary>Erased in the hub, and every party confirmed (or there was none).</summary>
    public const string Completed = "completed";

    public static IReadOnlyList<string> All { get; } = [AwaitingReceipts, Completed];
}

/// <summary>Who holds copies of the hub's data and must confirm an erasure.</summary>
public static class ErasurePartyKinds
{
    /// <summary>A webhook subscription that received the customer's data; <c>party</c> is its id.</summary>
    public const string Subscription = "subscription";

    /// <summary>A bus consumer registered for receipts (<c>PUT /v1/bus-consumers/{name}</c>); <c>party</c> is its
    /// name.</summary>
    public const string Consumer = "consumer";

    public static IReadOnlyList<string> All { get; } = [Subscription, Consumer];
}

/// <summary>One party of an erasure, and whether it has confirmed.</summary>
public sealed record ErasureParty(
    [KnownValues(typeof(ErasurePartyKinds))] string Kind,
    string Party,
    DateTimeOffset? ConfirmedAt,
    string? ConfirmedBy
);

/// <summary>An erasure: what was erased, and who has confirmed erasing their copies.</summary>
public sealed record ErasureView(
    Guid Id,
    Guid CustomerId,
    IReadOnlyList<Guid> MergedCustomerIds,
    IReadOnlyList<Guid> ConversationIds,
    int EventsErased,
    [KnownValues(typeof(ErasureStatus))] string Status,
    DateTimeOffset RequestedAt,
    string? RequestedBy,
    DateTimeOffset ReceiptsDueAt,
    DateTimeOffset? CompletedAt,
    IReadOnlyList<ErasureParty> Parties
);

/// <summary>The answer to an erasure request: its id (also <c>erasure.id</c>) and where it stands.</summary>
public sealed record ErasureAccepted(Guid ErasureId, ErasureView Erasure);

/// <summary>A party's confirmation: exactly one of a subscription id or a bus consumer's name.</summary>
public sealed record ReceiptRequest(Guid? SubscriptionId, string? Consumer);

/// <summary>A bus consumer that confirms erasures; every one registered is a party to each later erasure.</summary>
public sealed record BusConsumerRequest(string? Description);

public sealed record BusConsumerView(string Name, string? Description, DateTimeOffset CreatedAt);

internal sealed class ReceiptRequestValidator : AbstractValidator<ReceiptRequest>
{
    public ReceiptRequestValidator()
    {
        RuleFor(r => r)
            .Must(r => (r.SubscriptionId is not null) != (r.Consumer is not null))
            .OverridePropertyName("subscriptionId")
            .WithMessage("Give exactly one of 'subscriptionId' and 'consumer'.");
        RuleFor(r => r.Consumer).MaximumLength(100);
    }
}

internal sealed class BusConsumerRequestValidator : AbstractValidator<BusConsumerRequest>
{
    public BusConsumerRequestValidator() => RuleFor(r => r.Description).MaximumLength(500);
}
