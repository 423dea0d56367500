namespace SocialCare.Api.EventLog;

/// <summary>What a stream is the history of; stored with each stream, and never renamed once written.</summary>
public static class StreamTypes
{
    public const string Conversation = "conversation";
    public const string Customer = "customer";
    public const string Subscription = "subscription";
}
