using SocialCare.Api.Channels;
using SocialCare.Api.Infrastructure.Problems;

namespace SocialCare.Api.Conversations;

/// <summary>
/// The platforms' rules for when a business may write to a customer — a pure decision, no I/O. WhatsApp: free-form
/// messages only within 24 hours of the customer's last message to that number, an approved template at any time.
/// Messenger and Instagram direct messages: a standard reply within 24 hours, a reply tagged
/// <c>HUMAN_AGENT</c> (a person answering) up to 7 days, nothing after. Public replies answer a public post, so a
/// public reply on X or Instagram needs one in the conversation. Other channels have no rule the hub knows of.
/// </summary>
public static class MessagingWindows
{
    public static readonly TimeSpan Standard = TimeSpan.FromHours(24);
    public static readonly TimeSpan HumanAgent = TimeSpan.FromDays(7);
    public const string HumanAgentTag = "HUMAN_AGENT";

    /// <summary>The message tag the send needs (null: none), or why the reply may not be sent now.</summary>
    public static (string? Tag, Rejection? Refused) Check(
        ReplyTarget target,
        string visibility,
        ReplyDraft draft,
        DateTimeOffset now
    )
    {
        var type = target.ChannelType;
        var template = draft.Template is not null;
        if (Shape(type, draft) is { } misshapen)
        {
            return (null, new Rejection(ProblemCodes.UnsupportedReplyShape, misshapen));
        }

        if (template && type is ChannelTypes.Messenger or ChannelTypes.Instagram or ChannelTypes.X)
        {
            return (
                null,
                new Rejection(
                    ProblemCodes.TemplateNotSupported,
                    $"{type} has no message templates; send text or attachments."
                )
            );
        }

        if (visibility == "public")
        {
            return type is ChannelTypes.X or ChannelTypes.Instagram && target.LatestPublicPost is null
                ? (
                    null,
                    new Rejection(
                        ProblemCodes.NoPublicPost,
                        $"A public reply on {type} answers the customer's public post, and this conversation has "
                            + "none on this account; reply privately."
                    )
                )
                : (null, null);
        }

        var since = target.LastInboundAt is { } last ? now - last : (TimeSpan?)null;
        var written = target.LastInboundAt is { } at
            ? $"The customer last wrote on this account at {at:O}"
            : "The customer has never written on this account";
        switch (type)
        {
            case ChannelTypes.WhatsApp when !template && !(since <= Standard):
                return (
                    null,
                    new Rejection(
                        ProblemCodes.TemplateRequired,
                        $"{written}; outside WhatsApp's 24-hour customer service window only an approved template "
                            + "may be sent. Add a \"template\"."
                    )
                );
            case ChannelTypes.Messenger or ChannelTypes.Instagram when since <= Standard:
                return (null, null);
            case ChannelTypes.Messenger or ChannelTypes.Instagram when since <= HumanAgent:
                return (HumanAgentTag, null);
            case ChannelTypes.Messenger or ChannelTypes.Instagram:
                return (
                    null,
                    new Rejection(
                        ProblemCodes.MessagingWindowClosed,
                        $"{written}; {type} allows a business reply only within 7 days of the customer's last "
                            + "message (a human agent's reply after 24 hours)."
                    )
                );
            default:
                return (null, null);
        }
    }

    /// <summary>What one platform message can carry: the native connectors send each reply as exactly one
    /// message.</summary>
    private static string? Shape(string type, ReplyDraft draft) =>
        type switch
        {
            ChannelTypes.X when draft.Attachments.Count > 0 =>
                "A reply on X carries text only; link to the media in the text.",
            ChannelTypes.WhatsApp when draft.Attachments.Count > 1 =>
                "A WhatsApp reply carries at most one attachment (its caption is the text).",
            ChannelTypes.WhatsApp
                when draft.Template is not null && (draft.Attachments.Count > 0 || draft.Text is not null) =>
                "A template is sent as it was approved: leave out 'text' and 'attachments' and pass its parameters.",
            ChannelTypes.Messenger
            or ChannelTypes.Instagram
                when draft.Attachments.Count > 1
                    || (draft.Attachments.Count == 1 && !string.IsNullOrEmpty(draft.Text)) =>
                $"A {type} message is either text or one attachment; send them as two replies.",
            _ => null,
        };
}
