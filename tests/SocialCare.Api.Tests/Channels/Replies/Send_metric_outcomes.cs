using SocialCare.Api.Channels.Replies;
using SocialCare.Contracts;

namespace SocialCare.Api.Tests.Channels.Replies;

/// <summary>The send metric's <c>outcome</c> stays a short, known list whatever the platforms answer: their own codes
/// and titles (X sends free text) would each make new series.</summary>
public sealed class Send_metric_outcomes
{
    [TestCase(null, "sent")]
    [TestCase("timeout", "timeout")]
    [TestCase("circuit_open", "circuit_open")]
    [TestCase("unreachable", "unreachable")]
    [TestCase("131047", "rejected")]
    [TestCase("Too Many Requests لحظة 🙏", "rejected")]
    public void Platform_codes_become_rejected_and_the_hubs_own_stay(string? code, string outcome) =>
        Assert.That(
            PlatformCalls.MetricOutcome(code is null ? null : new PlatformError(code, "the platform's message")),
            Is.EqualTo(outcome)
        );
}
