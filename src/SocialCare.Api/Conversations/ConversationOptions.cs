namespace SocialCare.Api.Conversations;

/// <summary>Conversation rules (configuration section <c>Conversations</c>).</summary>
public sealed class ConversationOptions
{
    public const string Section = "Conversations";

    /// <summary>New inbound within this time after resolution reopens the conversation; later, a new one starts.</summary>
    public TimeSpan ReopenWindow { get; set; } = TimeSpan.FromDays(7);
}
