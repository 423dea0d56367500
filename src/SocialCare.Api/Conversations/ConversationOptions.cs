namespace SocialCare.Api.Conversations;

/// <summary>Conversation rules (configuration section <c>Conversations</c>).</summary>
public sealed class ConversationOptions
{
    public const string Section = "Conversations";

    /// <summary>New inbound within this time after resolution reopens the conversation; later, a new one
    /// starts.</summary>
    public TimeSpan ReopenWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>For this long after a rule's <c>requestFeedback</c> survey went out, the customer's next message, when
    /// it is only a score on the survey's scale, answers it (<c>conversation.feedback_received</c>) instead of reopening
    /// the conversation.</summary>
    public TimeSpan SurveyWindow { get; set; } = TimeSpan.FromDays(2);

    /// <summary>How long a claim holds when the claimant does not say.</summary>
    public TimeSpan ClaimTtl { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often expired claims are looked for and released (with a <c>conversation.released</c>
    /// event).</summary>
    public TimeSpan ClaimSweepInterval { get; set; } = TimeSpan.FromSeconds(5);
}
