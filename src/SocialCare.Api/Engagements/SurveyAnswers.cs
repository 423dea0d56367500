using System.Globalization;
using SocialCare.Contracts;

namespace SocialCare.Api.Engagements;

/// <summary>
/// Whether a customer's message answers a survey: it holds only a whole number on the survey's scale, in any script's
/// decimal digits (<c>5</c>, Arabic-Indic <c>٥</c>, Persian <c>۵</c>, Devanagari <c>५</c> …), optionally out of the
/// scale's top (<c>4/5</c>) and followed by stars or a full stop; for CSAT, also as stars alone (<c>⭐⭐⭐⭐</c>). Anything
/// else — a sentence, two numbers, a number off the scale — is a message, not an answer.
/// </summary>
public static class SurveyAnswers
{
    public static int? Score(string? text, string kind)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 40)
        {
            return null;
        }

        var (min, max) = FeedbackKinds.Scale(kind);
        var body = text.Trim().TrimEnd('.', '!', '\u2B50', '\uFE0F', ' ');
        var stars = text.Trim().Replace("\uFE0F", "", StringComparison.Ordinal);
        if (body.Length == 0)
        {
            // Stars alone: as many as the score, for CSAT's five-star scale.
            var count = stars.EnumerateRunes().Count(r => r.Value == 0x2B50);
            return kind == FeedbackKinds.Csat && count >= min && count <= max && stars.Trim('\u2B50', ' ').Length == 0
                ? count
                : null;
        }

        var parts = body.Split('/', 2);
        if (Number(parts[0]) is not { } score || score < min || score > max)
        {
            return null;
        }

        return parts.Length == 1 || Number(parts[1]) == max ? score : null;
    }

    /// <summary>A whole number of one or two decimal digits of any script, with spaces around it.</summary>
    private static int? Number(string text)
    {
        var digits = text.Trim();
        if (digits.Length is 0 or > 2 || !digits.All(char.IsDigit))
        {
            return null;
        }

        return digits.Aggregate(0, (n, c) => n * 10 + (int)CharUnicodeInfo.GetNumericValue(c));
    }
}
