namespace SocialCare.Contracts;

/// <summary>The event type names, defined once. Never renamed once shipped.</summary>
public static class EventTypes
{
    public const string EngagementReceived = "engagement.received";
    public const string ConversationOpened = "conversation.opened";
    public const string ConversationReopened = "conversation.reopened";
    public const string CustomerCreated = "customer.created";
}
