namespace SocialCare.Contracts;

/// <summary>
/// The body of a <c>webhook.test</c> delivery, sent when a department asks for one
/// (<c>POST /v1/subscriptions/{id}/test</c>): signed and retried like any event, but never in the event log, the
/// changefeed or on the bus.
/// </summary>
/// <param name="SubscriptionId">The subscription the test was sent to.</param>
/// <param name="Message">A fixed sentence for people reading the endpoint's logs.</param>
public sealed record WebhookTest(Guid SubscriptionId, string Message)
{
    public const string Type = "webhook.test";
}
