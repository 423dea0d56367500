using FluentValidation;
using SocialCare.Api.EventLog;
using SocialCare.Api.Infrastructure.Problems;
using SocialCare.Contracts;

namespace SocialCare.Api.Customers;

public sealed record LinkIdentityRequest(
    string ChannelType,
    [Pii(PiiCategories.Identity)] string PlatformUserId,
    [Pii(PiiCategories.Identity)] string? DisplayName,
    [Pii(PiiCategories.Identity)] string? Handle
);

public sealed record MergeRequest(Guid CustomerId);

public sealed record LinkIdentityResult(Guid CustomerId, CustomerIdentity Identity, bool Linked);

public sealed record MergeResult(
    Guid CustomerId,
    Guid MergedCustomerId,
    IReadOnlyList<CustomerIdentity> MovedIdentities,
    IReadOnlyList<Guid> MovedConversationIds,
    IReadOnlyList<Guid> ResolvedConversationIds
);

internal sealed class LinkIdentityRequestValidator : AbstractValidator<LinkIdentityRequest>
{
    public LinkIdentityRequestValidator()
    {
        RuleFor(r => r.ChannelType)
            .NotEmpty()
            .Matches(Channels.ChannelTypes.Pattern())
            .WithMessage("'channelType' is a lower-case channel type such as whatsapp or x.");
        RuleFor(r => r.PlatformUserId).NotEmpty().MaximumLength(256);
        RuleFor(r => r.DisplayName).MaximumLength(512);
        RuleFor(r => r.Handle).MaximumLength(256);
    }
}

internal sealed class MergeRequestValidator : AbstractValidator<MergeRequest>
{
    public MergeRequestValidator() => RuleFor(r => r.CustomerId).NotEmpty();
}

/// <summary>
/// Identity linking and merging: how one person's tweets, WhatsApp messages and DMs become one customer, and so one
/// conversation per brand. Both take ingestion's advisory locks (<see cref="Engagements.CustomerLocks"/>) before any
/// row, so they never run alongside an ingestion that touches the same customers. A key limited to brands changes only
/// customers whose every conversation is of its brands (<see cref="CustomerBrands"/>).
/// </summary>
public sealed partial class CustomerCommands(EventStore store, TimeProvider clock)
{
    public Task<(LinkIdentityResult? Result, Rejection? Rejected)> LinkAsync(
        Guid workspaceId,
        Guid customerId,
        LinkIdentityRequest request,
        IReadOnlyList<string>? brands,
        EventActor actor,
        CancellationToken ct
    ) =>
        store.WriteAsync<(LinkIdentityResult?, Rejection?)>(
            async writer =>
            {
                var identity = new CustomerIdentity(
                    request.ChannelType,
                    request.PlatformUserId.Trim(),
                    request.DisplayName,
                    request.Handle
                );
                writer.Lock([
                    Engagements.CustomerLocks.Identity(workspaceId, identity.ChannelType, identity.PlatformUserId),
                ]);
                var rows = await writer.QueryAsync(
                    $"""
                    select c.id, o.customer_id, {CustomerBrands.Of("c.id")}, {CustomerBrands.Of("o.customer_id")}
                    from customers c
                    left join customer_identities o on o.workspace_id = $1 and o.channel_type = $3 and
                        o.platform_user_id = $4
                    where c.workspace_id = $1 and c.id = $2 and c.merged_into is null for update of c
                    """,
                    r =>
                        (
                            Id: r.GetGuid(0),
                            Owner: r.IsDBNull(1) ? (Guid?)null : r.GetGuid(1),
                            Brands: r.GetFieldValue<string[]>(2),
                            OwnerBrands: r.GetFieldValue<string[]>(3)
                        ),
                    ct,
                    workspaceId,
                    customerId,
                    identity.ChannelType,
                    identity.PlatformUserId
                );
                if (rows.Count == 0)
                {
                    return (null, new Rejection(ProblemCodes.NotFound, "The customer does not exist."));
                }

                if (CustomerBrands.RefuseChange(brands, rows[0].Brands) is { } refused)
                {
                    return (null, refused);
                }

                if (rows[0].Owner == customerId)
                {
                    return (new LinkIdentityResult(customerId, identity, Linked: false), null);
                }

                if (rows[0].Owner is { } owner)
                {
                    // The owner is named only to a key that may read that customer.
                    var whose = CustomerBrands.MayRead(brands, rows[0].OwnerBrands)
                        ? $"customer {owner}"
                        : "another customer";
                    return (
                        null,
                        new Rejection(
                            ProblemCodes.IdentityTaken,
                            $"{identity.ChannelType}:{identity.PlatformUserId} belongs to {whose}. If they are "
                                + "the same person, merge the two customers."
                        )
                    );
                }

                var now = clock.GetUtcNow();
                writer.Execute(
                    """
                    insert into customer_identities (workspace_id, channel_type, platform_user_id, customer_id,
                        display_name, handle, created_at)
                    values ($1, $2, $3, $4, $5, $6, $7)
                    """,
                    workspaceId,
                    identity.ChannelType,
                    identity.PlatformUserId,
                    customerId,
                    identity.DisplayName,
                    identity.Handle,
                    now
                );
                writer.Append(
                    customerId,
                    typeof(StreamTypes.Customer),
                    workspaceId,
                    null,
                    [
                        new CustomerIdentityLinked
                        {
                            EventId = Guid.CreateVersion7(),
                            WorkspaceId = workspaceId,
                            CustomerId = customerId,
                            RecordedAt = now,
                            Actor = actor,
                            Identity = identity,
                        },
                    ]
                );
                return (new LinkIdentityResult(customerId, identity, Linked: true), null);
            },
            ct
        );
}
