namespace SocialCare.Contracts;

/// <summary>
/// Two customers were one person. <see cref="HubEvent.CustomerId"/> is the survivor; <see cref="MergedCustomerId"/> is
/// gone — re-key anything you hold under it. Its identities and conversations now belong to the survivor.
/// </summary>
[EventType(EventTypes.CustomerMerged)]
public sealed record CustomerMerged : HubEvent
{
    public Guid MergedCustomerId { get; init; }
    public IReadOnlyList<CustomerIdentity> MovedIdentities { get; init; } = [];
    public IReadOnlyList<Guid> MovedConversationIds { get; init; } = [];

    /// <summary>Open conversations of the merged customer that duplicated one of the survivor's (same brand), resolved
    /// by the merge.</summary>
    public IReadOnlyList<Guid> ResolvedConversationIds { get; init; } = [];
}
