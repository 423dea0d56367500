namespace SocialCare.Contracts;

/// <summary>The event type names, defined once. Never renamed once shipped.</summary>
public static class EventTypes
{
    public const string EngagementReceived = "engagement.received";
    public const string ConversationOpened = "conversation.opened";
    public const string ConversationReopened = "conversation.reopened";
    public const string CustomerCreated = "customer.created";
    public const string CustomerIdentityLinked = "customer.identity_linked";
    public const string CustomerMerged = "customer.merged";
    public const string CustomerErased = "customer.erased";
    public const string ErasureCompleted = "erasure.completed";
    public const string ErasureReminder = "erasure.reminder";
    public const string RetentionApplied = "retention.applied";
    public const string ConversationAcknowledged = "conversation.acknowledged";
    public const string ConversationAssigned = "conversation.assigned";
    public const string ConversationTagged = "conversation.tagged";
    public const string ConversationNoteAdded = "conversation.note_added";
    public const string ConversationPriorityChanged = "conversation.priority_changed";
    public const string ConversationLinked = "conversation.linked";
    public const string ConversationContextUpdated = "conversation.context_updated";
    public const string ConversationResolved = "conversation.resolved";
    public const string ConversationClaimed = "conversation.claimed";
    public const string ConversationReleased = "conversation.released";
    public const string ConversationChannelChanged = "conversation.channel_changed";
    public const string ConversationFeedbackReceived = "conversation.feedback_received";
    public const string ReplyRequested = "reply.requested";
    public const string ReplySent = "reply.sent";
    public const string ReplyDelivered = "reply.delivered";
    public const string ReplyRead = "reply.read";
    public const string ReplyFailed = "reply.failed";
    public const string WebhookDeliveryExhausted = "webhook.delivery_exhausted";
    public const string SubscriptionDisabled = "subscription.disabled";
    public const string BrandConfigured = "brand.configured";
    public const string BrandRemoved = "brand.removed";
    public const string TeamCreated = "team.created";
    public const string TeamUpdated = "team.updated";
    public const string TeamDeleted = "team.deleted";
    public const string SlaPolicyCreated = "sla_policy.created";
    public const string SlaPolicyUpdated = "sla_policy.updated";
    public const string SlaPolicyDeleted = "sla_policy.deleted";
    public const string SlaApplied = "sla.applied";
    public const string SlaStarted = "sla.started";
    public const string SlaWarning = "sla.warning";
    public const string SlaBreached = "sla.breached";
    public const string SlaMet = "sla.met";
    public const string RuleCreated = "rule.created";
    public const string RuleUpdated = "rule.updated";
    public const string RuleDeleted = "rule.deleted";
}
