namespace SocialCare.Contracts;

/// <summary>The priority changed: <c>low</c>, <c>normal</c>, <c>high</c> or <c>urgent</c>, with why.</summary>
[EventType(EventTypes.ConversationPriorityChanged)]
public sealed record ConversationPriorityChanged : HubEvent
{
    [KnownValues(typeof(PriorityLevels))]
    public string Level { get; init; } = "normal";

    [KnownValues(typeof(PriorityLevels))]
    public string PreviousLevel { get; init; } = "normal";
    public string? Reason { get; init; }
}
