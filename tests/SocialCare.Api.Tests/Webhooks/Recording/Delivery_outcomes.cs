using SocialCare.Api.Webhooks;
using SocialCare.Api.Webhooks.Recording;
using SocialCare.Api.Webhooks.Scheduling;

namespace SocialCare.Api.Tests.Webhooks.Recording;

/// <summary>What happens after each attempt, decided without I/O.</summary>
public sealed class Delivery_outcomes
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly IReadOnlyList<TimeSpan> Schedule = WebhookOptions.DefaultRetrySchedule;

    [TestCase(200)]
    [TestCase(204)]
    [TestCase(299)]
    public void Any_2xx_is_delivered(int status) =>
        Assert.That(WebhookDeliveryWorker.Decide(status, 1, null, Schedule, Now).Status, Is.EqualTo("delivered"));

    [Test]
    public void Gone_disables_the_subscription_without_retrying()
    {
        var outcome = WebhookDeliveryWorker.Decide(410, 1, null, Schedule, Now);
        Assert.That(
            (outcome.Status, outcome.DisableSubscription, outcome.NextAttemptAt),
            Is.EqualTo(("failed", true, (DateTimeOffset?)null))
        );
    }

    [TestCase(301)]
    [TestCase(500)]
    [TestCase(null)]
    public void Failures_and_redirects_retry_on_the_schedule_with_at_most_ten_percent_jitter(int? status)
    {
        var outcome = WebhookDeliveryWorker.Decide(status, 2, null, Schedule, Now);
        Assert.That(outcome.Status, Is.EqualTo("pending"));
        Assert.That(outcome.NextAttemptAt, Is.InRange(Now + TimeSpan.FromMinutes(5), Now + TimeSpan.FromMinutes(5.5)));
    }

    [Test]
    public void The_schedule_spans_about_three_days_and_then_the_delivery_is_dead()
    {
        Assert.That(Schedule.Aggregate(TimeSpan.Zero, (a, b) => a + b).TotalHours, Is.InRange(72, 84));
        Assert.That(
            WebhookDeliveryWorker.Decide(500, Schedule.Count, null, Schedule, Now).Status,
            Is.EqualTo("failed")
        );
    }

    [TestCase(429)]
    [TestCase(503)]
    public void Slow_down_answers_honour_a_longer_retry_after(int status) =>
        Assert.That(
            WebhookDeliveryWorker.Decide(status, 1, TimeSpan.FromMinutes(2), Schedule, Now).NextAttemptAt,
            Is.EqualTo(Now + TimeSpan.FromMinutes(2))
        );

    [Test]
    public void Retry_after_is_ignored_on_other_failures() =>
        Assert.That(
            WebhookDeliveryWorker.Decide(500, 1, TimeSpan.FromHours(1), Schedule, Now).NextAttemptAt,
            Is.LessThan(Now + TimeSpan.FromMinutes(1))
        );

    [Test]
    public void An_endpoint_failing_for_the_whole_period_is_disabled() =>
        Assert.That(
            DeliveryRecorder.DisableReason(Failure, Now - TimeSpan.FromDays(5), Now, TimeSpan.FromDays(5)),
            Does.Contain("failed since")
        );

    [Test]
    public void An_endpoint_failing_for_less_than_the_period_stays_enabled() =>
        Assert.That(
            DeliveryRecorder.DisableReason(Failure, Now - TimeSpan.FromDays(4.9), Now, TimeSpan.FromDays(5)),
            Is.Null
        );

    [Test]
    public void Gone_disables_at_once() =>
        Assert.That(
            DeliveryRecorder.DisableReason(
                WebhookDeliveryWorker.Decide(410, 1, null, Schedule, Now),
                Now,
                Now,
                TimeSpan.FromDays(5)
            ),
            Does.Contain("410")
        );

    private static readonly WebhookDeliveryWorker.Outcome Failure = WebhookDeliveryWorker.Decide(
        500,
        1,
        null,
        Schedule,
        Now
    );
}
