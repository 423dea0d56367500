namespace SocialCare.Api.Engagements;

/// <summary>A conversation that an inbound engagement could join; a resolved one may wait for the answer to a
/// survey.</summary>
public sealed record ConversationCandidate(
    Guid Id,
    bool IsOpen,
    DateTimeOffset? ResolvedAt,
    PendingSurvey? Survey = null
);

/// <summary>A feedback survey sent after resolution and not answered yet, about the conversation's
/// <see cref="Episode"/>.</summary>
public sealed record PendingSurvey(string Kind, DateTimeOffset RequestedAt, int Episode);

public abstract record ThreadingDecision
{
    public sealed record Join(Guid ConversationId) : ThreadingDecision;

    public sealed record Reopen(Guid ConversationId, DateTimeOffset ResolvedAt) : ThreadingDecision;

    public sealed record Open : ThreadingDecision;

    /// <summary>The message answers the survey the resolved conversation waits for: recorded on it as an engagement
    /// and its feedback, without reopening it.</summary>
    public sealed record SurveyAnswer(Guid ConversationId, PendingSurvey Survey, int Score) : ThreadingDecision;
}

/// <summary>
/// Where an inbound engagement goes — a pure decision, no I/O. In order: the open conversation of its public thread;
/// the customer's open conversation for the brand, whatever channel it is on (which is what makes a move from a public
/// tweet to WhatsApp one conversation); the customer's last resolved conversation for the brand — answered, when it
/// waits for a survey's answer and the message is only a score on its scale, else reopened if it was resolved within
/// the reopen window; else a new one.
/// </summary>
public static class Threading
{
    public static ThreadingDecision Decide(
        ConversationCandidate? thread,
        ConversationCandidate? open,
        ConversationCandidate? lastResolved,
        DateTimeOffset now,
        TimeSpan reopenWindow,
        string? text = null,
        TimeSpan surveyWindow = default
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

        if (
            lastResolved is { Survey: { } survey }
            && now - survey.RequestedAt <= surveyWindow
            && SurveyAnswers.Score(text, survey.Kind) is { } score
        )
        {
            return new ThreadingDecision.SurveyAnswer(lastResolved.Id, survey, score);
        }

        if (lastResolved is { ResolvedAt: { } resolvedAt } && now - resolvedAt <= reopenWindow)
        {
            return new ThreadingDecision.Reopen(lastResolved.Id, resolvedAt);
        }

        return new ThreadingDecision.Open();
    }
}
