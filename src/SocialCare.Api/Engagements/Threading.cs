namespace SocialCare.Api.Engagements;

/// <summary>A conversation that an inbound engagement could join.</summary>
public sealed record ConversationCandidate(Guid Id, bool IsOpen, DateTimeOffset? ResolvedAt);

public abstract record ThreadingDecision
{
    public sealed record Join(Guid ConversationId) : ThreadingDecision;

    public sealed record Reopen(Guid ConversationId, DateTimeOffset ResolvedAt) : ThreadingDecision;

    public sealed record Open : ThreadingDecision;
}

/// <summary>
/// Where an inbound engagement goes — a pure decision, no I/O. In order: the open conversation of its public thread;
/// the customer's open conversation for the brand, whatever channel it is on (which is what makes a move from a public
/// tweet to WhatsApp one conversation); the customer's last resolved conversation for the brand, reopened if it was
/// resolved within the reopen window; else a new one.
/// </summary>
public static class Threading
{
    public static ThreadingDecision Decide(
        ConversationCandidate? thread,
        ConversationCandidate? open,
        ConversationCandidate? lastResolved,
        DateTimeOffset now,
        TimeSpan reopenWindow
    )
    {
        if (thread is { IsOpen: true })
        {
            return new ThreadingDecision.Join(thread.Id);
        }

        if (open is not null)
        {
            return new ThreadingDecision.Join(open.Id);
        }

        if (lastResolved is { ResolvedAt: { } resolvedAt } && now - resolvedAt <= reopenWindow)
        {
            return new ThreadingDecision.Reopen(lastResolved.Id, resolvedAt);
        }

        return new ThreadingDecision.Open();
    }
}
