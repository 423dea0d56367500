namespace SocialCare.Contracts;

/// <summary>A department hung one of its records on the conversation (the billing app's invoice, the CRM's
/// case).</summary>
[EventType(EventTypes.ConversationLinked)]
public sealed record ConversationLinked : HubEvent
{
    public string System { get; init; } = string.Empty;
    public string RecordType { get; init; } = string.Empty;
    public string RecordId { get; init; } = string.Empty;
    public string? Url { get; init; }
}
