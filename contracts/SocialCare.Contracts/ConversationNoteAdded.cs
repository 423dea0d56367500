namespace SocialCare.Contracts;

/// <summary>An internal note: visible to every department, never sent to the customer.</summary>
[EventType(EventTypes.ConversationNoteAdded)]
public sealed record ConversationNoteAdded : HubEvent
{
    public Guid NoteId { get; init; }

    [Pii(PiiCategories.Content)]
    public string Text { get; init; } = string.Empty;
}
