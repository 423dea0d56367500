namespace SocialCare.Contracts;

/// <summary>The feedback surveys the hub takes, and their scales.</summary>
public static class FeedbackKinds
{
    /// <summary>Customer satisfaction, 1 (very unsatisfied) to 5 (very satisfied).</summary>
    public const string Csat = "csat";

    /// <summary>Net Easy Score, 1 (very difficult) to 7 (very easy).</summary>
    public const string Nes = "nes";

    /// <summary>Customer Effort Score, 1 (very low effort) to 7 (very high effort).</summary>
    public const string Ces = "ces";

    /// <summary>Net Promoter Score, 0 (not at all likely to recommend) to 10 (extremely likely).</summary>
    public const string Nps = "nps";

    public static IReadOnlyList<string> All { get; } = [Csat, Nes, Ces, Nps];

    /// <summary>The lowest and highest score of <paramref name="kind"/>.</summary>
    public static (int Min, int Max) Scale(string kind) =>
        kind switch
        {
            Csat => (1, 5),
            Nes or Ces => (1, 7),
            _ => (0, 10),
        };
}

/// <summary>The customer answered a feedback survey about the conversation (a department's survey tool, or the
/// channel's connector, reports it).</summary>
[EventType(EventTypes.ConversationFeedbackReceived)]
public sealed record ConversationFeedbackReceived : HubEvent
{
    /// <summary>The answer's id.</summary>
    public Guid FeedbackId { get; init; }

    /// <summary>The survey: <c>csat</c> (1–5), <c>nes</c> (1–7), <c>ces</c> (1–7) or <c>nps</c> (0–10).</summary>
    [KnownValues(typeof(FeedbackKinds))]
    public string Kind { get; init; } = FeedbackKinds.Csat;

    /// <summary>The score, on the survey's scale.</summary>
    public int Score { get; init; }

    /// <summary>What the customer wrote with it, if anything.</summary>
    [Pii(PiiCategories.Content)]
    public string? Comment { get; init; }

    /// <summary>The channel account the answer came on; null when the survey ran elsewhere.</summary>
    public Guid? ChannelId { get; init; }

    /// <summary>When the customer answered.</summary>
    public DateTimeOffset RespondedAt { get; init; }

    /// <summary>The episode the answer is about: the conversation's current one when it was recorded.</summary>
    public int Episode { get; init; }
}
