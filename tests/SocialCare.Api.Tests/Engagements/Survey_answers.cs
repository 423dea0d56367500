using SocialCare.Api.Engagements;

namespace SocialCare.Api.Tests.Engagements;

/// <summary>Which messages answer a survey: a lone score on its scale, in any script's digits, or stars for
/// CSAT.</summary>
public sealed class Survey_answers
{
    [TestCase("5", "csat", 5)]
    [TestCase(" 4 ", "csat", 4)]
    [TestCase("٥", "csat", 5)]
    [TestCase("۳", "csat", 3)]
    [TestCase("५", "csat", 5)]
    [TestCase("4/5", "csat", 4)]
    [TestCase("4 / 5", "csat", 4)]
    [TestCase("5!", "csat", 5)]
    [TestCase("5 ⭐", "csat", 5)]
    [TestCase("⭐⭐⭐", "csat", 3)]
    [TestCase("⭐️⭐️⭐️⭐️", "csat", 4)]
    [TestCase("10", "nps", 10)]
    [TestCase("0", "nps", 0)]
    [TestCase("٧", "nes", 7)]
    [TestCase("1", "ces", 1)]
    public void A_lone_score_on_the_scale_answers(string text, string kind, int score) =>
        Assert.That(SurveyAnswers.Score(text, kind), Is.EqualTo(score));

    [TestCase("0", "csat")]
    [TestCase("6", "csat")]
    [TestCase("11", "nps")]
    [TestCase("8", "nes")]
    [TestCase("5/10", "csat")]
    [TestCase("4/5/5", "csat")]
    [TestCase("five", "csat")]
    [TestCase("5 stars", "csat")]
    [TestCase("I'd say 5", "csat")]
    [TestCase("", "csat")]
    [TestCase("   ", "csat")]
    [TestCase("⭐⭐⭐⭐⭐⭐", "csat")]
    [TestCase("⭐⭐⭐", "nps")]
    [TestCase("123", "nps")]
    [TestCase("-1", "nps")]
    [TestCase("5.5", "csat")]
    public void Anything_else_is_a_message(string text, string kind) =>
        Assert.That(SurveyAnswers.Score(text, kind), Is.Null);
}
