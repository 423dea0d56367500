namespace SocialCare.Api.Infrastructure.OpenApi;

/// <summary>
/// What each field and parameter of the API means, in one place, so that a field of one name means the same thing on
/// every resource, as a partner reads it in the document and in a generated client. A <c>Schema.field</c> or
/// <c>Operation:parameter</c> entry says what the field means on that one schema or operation; a bare name serves
/// every other. The contract tests fail on a field or parameter that has no description here or in an XML comment.
/// </summary>
internal static class FieldDescriptions
{
    public static string? Of(string schema, string field) =>
        Fields.GetValueOrDefault($"{schema}.{field}") ?? Fields.GetValueOrDefault(field);

    public static string? OfParameter(string operation, string parameter) =>
        Parameters.GetValueOrDefault($"{operation}:{parameter}") ?? Parameters.GetValueOrDefault(parameter);

    private static readonly Dictionary<string, string> Fields = new(StringComparer.Ordinal)
    {
        ["id"] = "The resource's id.",
        ["ApiKeyResponse.id"] = "The key's id (not the key itself, which is shown once, on creation).",
        ["CreatedApiKeyResponse.id"] = "The key's id (not the key itself, which is `key`).",
        ["ChannelRef.id"] = "The channel account's id.",
        ["CustomerSummary.id"] = "The customer's id.",
        ["EngagementView.id"] = "The engagement's id in the hub.",
        ["EventRef.id"] = "The event's id (`eventId` in its body; the webhook id).",
        ["FeedItem.id"] = "The event's id (`eventId` in its body; the webhook id). Dedupe on it.",
        ["TimelineEntry.id"] = "The event's id (`eventId` in its body; the webhook id).",
        ["DeliveryView.id"] = "The delivery's id: one event to one subscription, with all its attempts.",
        ["name"] = "A name for people, unique only by convention.",
        ["ApiKeyResponse.name"] = "The key's name: usually the department app that holds it (`crm`, `billing`).",
        ["CreatedApiKeyResponse.name"] = "The key's name: usually the department app that holds it.",
        ["CreateApiKeyRequest.name"] =
            "The key's name: the department app that will hold it; events it causes carry it.",
        ["ReplyTemplateRequest.name"] = "The approved template's name on the platform.",
        ["brand"] = "The brand this belongs to, as named in the workspace (`acme`, `acme-bank`).",
        ["UpdateChannelRequest.brand"] = "Moves the account to another brand; omitted, the brand stays.",
        ["brands"] = "The brands this is limited to; null means every brand.",
        ["UpdateSubscriptionRequest.brands"] =
            "New brands for the subscription, within the key's own; null or omitted leaves them as they are.",
        ["ApiKeyResponse.brands"] = "The brands the key may see and act on; null: every brand of the workspace.",
        ["CreatedApiKeyResponse.brands"] = "The brands the key may see and act on; null: every brand of the workspace.",
        ["CurrentKeyResponse.brands"] = "The brands the key may see and act on; null: every brand of the workspace.",
        ["CreateApiKeyRequest.brands"] = "The brands the key may see and act on; omit for every brand.",
        ["SubscriptionFilters.brands"] = "Deliver only events of these brands (any of them).",
        ["url"] = "An absolute http(s) URL.",
        ["Attachment.url"] = "Where the media can be fetched.",
        ["AttachmentRequest.url"] = "Where the media can be fetched: an absolute http(s) URL.",
        ["ReplyAttachment.url"] = "An https URL the platform fetches the media from.",
        ["LinkRequest.url"] = "Where a person opens the record in that system.",
        ["LinkView.url"] = "Where a person opens the record in that system.",
        ["CreateSubscriptionRequest.url"] = "The endpoint the signed webhooks are POSTed to.",
        ["UpdateSubscriptionRequest.url"] = "A new endpoint for the signed webhooks.",
        ["SubscriptionResponse.url"] = "The endpoint the signed webhooks are POSTed to.",
        ["SubscriptionWithSecret.url"] = "The endpoint the signed webhooks are POSTed to.",
        ["next"] = "The cursor of the next page: pass it as `after`. Null on the last page.",
        ["FeedPage.next"] =
            "The sequence to pass as `after` for the next page; the last one read even when the page is empty, so "
            + "polling with it never misses an event.",
        ["ReplayResponse.next"] = "More events remain: call again with `fromSequence` = this. Null when done.",
        ["items"] = "The page's items, in the list's order.",
        ["createdAt"] = "When it was created.",
        ["updatedAt"] = "When it last changed.",
        ["displayName"] = "The name the person shows on the platform, if it gave one.",
        ["type"] = "The kind of thing this is.",
        ["ChannelRef.type"] = "The channel type: `whatsapp`, `messenger`, `instagram`, `x` or a custom type.",
        ["ChannelResponse.type"] = "The channel type: `whatsapp`, `messenger`, `instagram`, `x` or a custom type.",
        ["CreateChannelRequest.type"] =
            "The channel type: the hub connects `whatsapp`, `messenger`, `instagram` and `x` natively; any other "
            + "lower-case name is a custom source fed through `POST /v1/engagements`.",
        ["EventRef.type"] = "The event type (`conversation.assigned`, …).",
        ["FeedItem.type"] = "The event type; `data` follows that type's schema.",
        ["TimelineEntry.type"] = "The event type; `data` follows that type's schema.",
        ["status"] = "Where it stands.",
        ["ConversationSummary.status"] = "`open` or `resolved`.",
        ["ConversationView.status"] = "`open` or `resolved`.",
        ["CustomerConversation.status"] = "`open` or `resolved`.",
        ["DeliveryView.status"] =
            "`pending` (due at `nextAttemptAt`), `delivered`, or `failed` (every attempt used up).",
        ["ReplyView.status"] = "How far the reply got: `requested`, `sent`, `delivered`, `read` or `failed`.",
        ["ReplyStatusRequest.status"] = "How far the reply got on the platform.",
        ["customerId"] = "The customer's id.",
        ["MergeRequest.customerId"] = "The customer merged into this one, who then ceases to exist on their own.",
        ["MergeResult.customerId"] = "The customer who remains.",
        ["text"] = "The message text, as written (any script, emoji included).",
        ["NoteRequest.text"] = "The note: visible to every department, never sent to the customer.",
        ["ReplyRequest.text"] = "The reply's text, sent to the customer.",
        ["ReplyView.text"] = "The reply's text.",
        ["scopes"] = "What the key may do (`conversations:read`, `engagements:write`, …).",
        ["platformUserId"] = "The person's id on that platform (a WhatsApp number, a page-scoped id, an X user id).",
        ["handle"] = "The person's handle on the platform (`@name`), if it has one.",
        ["version"] =
            "The conversation's version: the number of its events so far. Also its ETag; send it as "
            + "`If-Match` to act only on what you saw.",
        ["TimelineEntry.version"] = "The event's version in the conversation's stream: 1, 2, 3, …",
        ["eventTypes"] =
            "Which events to deliver: exact types (`conversation.assigned`), families (`conversation.*`) or `*`.",
        ["description"] = "A note for people: what the subscription is for.",
        ["enabled"] = "Whether deliveries are made; a disabled subscription records nothing to deliver.",
        ["CreateSubscriptionRequest.enabled"] = "Whether deliveries are made; default true.",
        ["UpdateSubscriptionRequest.enabled"] = "Enable or disable; enabling again clears `disabledReason`.",
        ["engagementText"] =
            "How long the text of engagements and replies (and template values) is kept: an ISO 8601 duration of "
            + "years, months, weeks and days (`P90D`), at least `P1D`; null keeps it for ever.",
        ["RetentionPolicy.attachments"] =
            "How long engagements' and replies' attachments are kept (`P30D`); null keeps them for ever.",
        ["RetentionView.attachments"] = "How long engagements' and replies' attachments are kept; null: for ever.",
        ["closedConversations"] =
            "How long a resolved conversation keeps its personal data (`P2Y`): messages, replies, notes, authors, "
            + "thread keys, personal context; null keeps it for ever. The customer's own identity stays.",
        ["RetentionView.updatedAt"] = "When the policy was last set.",
        ["textBefore"] = "Text older than this was removed; null when the policy keeps text for ever.",
        ["attachmentsBefore"] = "Attachments older than this were removed; null when kept for ever.",
        ["conversationsBefore"] = "Conversations resolved before this lost their personal data; null when kept.",
        ["RetentionApplied.texts"] = "Engagements and replies whose text this pass removed.",
        ["RetentionApplied.attachments"] = "Engagements and replies whose attachments this pass removed.",
        ["RetentionApplied.conversations"] = "Resolved conversations whose personal data this pass removed.",
        ["exportedAt"] = "When the export was made.",
        ["CustomerExportView.customer"] = "The customer as it is now: identities and conversations.",
        ["CustomerExportView.mergedCustomerIds"] = "Customers merged into this one (their own events are in `events`).",
        ["CustomerExportView.conversations"] =
            "Each of the customer's conversations as it is now (of the brands the key may see).",
        ["CustomerExportView.events"] =
            "Every event of the customer's, merged customers' and conversations' streams, stream by stream in order.",
        ["ExportedEvent.streamId"] = "The stream the event is on: a customer's or a conversation's id.",
        ["ExportedEvent.event"] = "The event, as a conversation's timeline shows it.",
        ["erasureId"] = "The erasure's id: `GET /v1/erasures/{id}` shows it, receipts are posted to it.",
        ["ErasureView.id"] = "The erasure's id.",
        ["ErasureView.customerId"] = "The customer erased (the survivor, when the id asked for was merged into it).",
        ["mergedCustomerIds"] = "Customers merged into this one, erased with it.",
        ["ErasureView.conversationIds"] = "The customer's conversations, whose personal data was erased.",
        ["CustomerErased.conversationIds"] =
            "The customer's conversations, whose personal data was erased (the conversations and their facts stay).",
        ["eventsErased"] = "How many events of the log had personal fields, now null.",
        ["ErasureView.status"] = "`awaiting_receipts` until every party has confirmed, then `completed`.",
        ["ErasureView.requestedAt"] = "When the customer's data was erased from the hub.",
        ["ErasureView.requestedBy"] = "The name of the key that asked for the erasure.",
        ["receiptsDueAt"] = "When every party's receipt is due (`Privacy:ReceiptDeadline` after the erasure).",
        ["ErasureView.completedAt"] = "When the last party confirmed; null while some have not.",
        ["parties"] =
            "Who held copies and must confirm: each subscription that received the customer's data, and "
            + "each bus consumer registered at the time.",
        ["ErasureParty.kind"] = "`subscription` (a webhook subscription) or `consumer` (a registered bus consumer).",
        ["ErasureParty.party"] = "The subscription's id, or the bus consumer's name.",
        ["ErasureParty.confirmedAt"] = "When the party confirmed; null until it has.",
        ["ErasureParty.confirmedBy"] = "The name of the key that confirmed.",
        ["ErasureAccepted.erasure"] = "The erasure as it now stands.",
        ["ReceiptRequest.subscriptionId"] = "The subscription confirming (exactly one of this and `consumer`).",
        ["ReceiptRequest.consumer"] =
            "The bus consumer confirming, by name (exactly one of this and `subscriptionId`).",
        ["BusConsumerRequest.description"] = "A note for people: which department's consumer this is.",
        ["BusConsumerView.name"] = "The consumer's name, unique in the workspace.",
        ["BusConsumerView.description"] = "A note for people: which department's consumer this is.",
        ["BusConsumerView.createdAt"] = "When it was first registered.",
        ["subscriptionIds"] = "The webhook subscriptions that received the customer's data; each must confirm.",
        ["consumers"] = "The bus consumers registered for receipts; each must confirm.",
        ["overdue"] = "Whether the deadline has passed.",
        ["pendingSubscriptionIds"] = "The subscriptions that have not confirmed yet.",
        ["pendingConsumers"] = "The bus consumers that have not confirmed yet.",
        ["personalValues"] =
            "Values that are the customer's personal data (an IBAN, a date of birth), kept like `values` but redacted "
            + "for readers without `pii:read` and erased with the customer; null removes a key.",
        ["ConversationContextUpdated.personalValues"] =
            "The values the department marked as the customer's personal data; null when it marked none, or when "
            + "redacted or erased.",
        ["personalContext"] =
            "The departments' values marked as the customer's personal data, by namespace, like `context`; null for "
            + "a key without `pii:read`.",
        ["pii"] =
            "How much of customers' personal data the deliveries carry: `full` (as they are), `pseudonymous` "
            + "(identities as the workspace's pseudonyms, text and metadata null) or `none` (docs/privacy.md).",
        ["CreateSubscriptionRequest.pii"] =
            "How much of customers' personal data the deliveries carry: `full`, `pseudonymous` or `none`. Default "
            + "`full` for a key with `pii:read`, else `pseudonymous`; only a key with `pii:read` may ask for `full`.",
        ["UpdateSubscriptionRequest.pii"] =
            "Change how much personal data the deliveries carry; from the next attempt on. Only a key with "
            + "`pii:read` may make or keep a subscription `full`.",
        ["channelId"] = "The channel account's id.",
        ["ReplyRequest.channelId"] =
            "The channel account to answer on; omitted, the one the customer last wrote on in this conversation.",
        ["platformMessageId"] = "The platform's id of the message, unique per channel account.",
        ["IngestEngagementRequest.platformMessageId"] =
            "The source's id of the message, unique per channel account: a second engagement with it is a "
            + "duplicate and answers the first one's ids.",
        ["ReplyStatusRequest.platformMessageId"] = "The platform's id of the sent message.",
        ["ReplyView.platformMessageId"] = "The platform's id of the sent message, once sent.",
        ["attachments"] = "Media attached to the message, in order.",
        ["visibility"] = "`public` (a post or comment anyone sees) or `private` (a direct message).",
        ["ReplyRequest.visibility"] =
            "`public` (answer the customer's latest public post) or `private`; omitted, the channel's usual one.",
        ["mediaType"] = "The media's MIME type (`image/jpeg`, `application/pdf`).",
        ["sizeBytes"] = "The media's size in bytes, if known.",
        ["error"] = "What went wrong, if anything.",
        ["AttemptView.error"] =
            "Why the attempt failed before an answer: a timeout, a refused connection, a blocked " + "address.",
        ["ReplyStatusRequest.error"] = "The platform's error, required when `status` is `failed`.",
        ["ReplyView.error"] = "The platform's error, when the reply failed.",
        ["settings"] =
            "The account's settings: the platform's ids (`phoneNumberId`, `pageId`, …) and options. Never secrets.",
        ["UpdateChannelRequest.settings"] = "Settings to change: a value replaces, null removes.",
        ["openedAt"] = "When the conversation opened (its first engagement).",
        ["lastActivityAt"] = "When anything last happened in the conversation.",
        ["channelType"] = "The channel type the identity or engagement belongs to.",
        ["sequence"] = "The event's position in the workspace's global order.",
        ["DeliveryView.sequence"] = "The delivered event's position in the workspace's global order.",
        ["TimelineEntry.sequence"] = "The event's position in the workspace's global order; null until published.",
        ["language"] = "A BCP 47 language tag (`ar`, `en-GB`), if known.",
        ["ReplyTemplateRequest.language"] = "The template's language code on the platform (`en_US`, `ar`).",
        ["occurredAt"] = "When it happened on the platform.",
        ["IngestEngagementRequest.occurredAt"] = "When the customer wrote it, on the source's clock.",
        ["ReplyStatusRequest.occurredAt"] = "When the platform reported it; omitted, now.",
        ["reason"] = "Why, for people.",
        ["workspaceId"] = "The workspace the key belongs to.",
        ["hint"] = "The key's last characters, to tell keys apart without revealing them.",
        ["team"] = "The team that owns it; null for none.",
        ["agent"] = "The agent (a person id in the team's own system) who owns it; null for none.",
        ["person"] = "The person acting through the app, as the `X-Actor` header named them.",
        ["ClaimView.person"] = "The person in that app who holds it, if the app named one.",
        ["conversationId"] = "The conversation's id.",
        ["currentChannelId"] = "The channel account the customer last wrote on: where a reply goes by default.",
        ["channelTypes"] = "The channel types this conversation has used.",
        ["SubscriptionFilters.channelTypes"] = "Deliver only events of conversations on these channel types.",
        ["resolvedAt"] = "When it was resolved; null while open.",
        ["engagementCount"] = "How many inbound engagements the conversation holds.",
        ["tags"] = "The conversation's tags.",
        ["SubscriptionFilters.tags"] = "Deliver only events of conversations that carry one of these tags.",
        ["secrets"] =
            "Credentials (`accessToken`, `appSecret`, …): write-only, stored encrypted, listed in `secretsSet`.",
        ["UpdateChannelRequest.secrets"] = "Credentials to change: a value replaces, null removes. Write-only.",
        ["keyId"] = "The API key's id.",
        ["identities"] = "The customer's platform identities, one per channel type and platform user id.",
        ["deliveredAt"] = "When the platform or endpoint confirmed delivery; null until then.",
        ["threadKey"] = "The source's thread, if it has one: engagements of one thread share a conversation.",
        ["metadata"] = "Anything else the source knows, as a JSON object (follower counts, post ids, …).",
        ["time"] = "When the hub recorded the event.",
        ["data"] = "The event's body: the schema of its `type`, under `components/schemas`.",
        ["system"] = "The department system the record lives in (`crm`, `billing`).",
        ["recordType"] = "The kind of record there (`case`, `invoice`).",
        ["recordId"] = "The record's id in that system.",
        ["level"] = "`low`, `normal`, `high` or `urgent`.",
        ["force"] =
            "Do it even though a rule would refuse it (a claim held by another app, a closed messaging window).",
        ["ResolveRequest.force"] = "Resolve even though another app holds a claim on the conversation.",
        ["revokedAt"] = "When the key was revoked; null while it works.",
        ["attemptedAt"] = "When the attempt started.",
        ["statusCode"] = "The endpoint's HTTP status; null when no answer came.",
        ["latencyMs"] = "How long the attempt took, in milliseconds.",
        ["responseBody"] = "The first bytes of the endpoint's answer, for debugging.",
        ["secretsSet"] = "The names of the secrets that are set; their values are never returned.",
        ["ttlSeconds"] = "How long the claim holds, in seconds (1 to 86,400); it is renewed by claiming again.",
        ["app"] = "The app (API key name) that holds it.",
        ["expiresAt"] = "When the claim lapses unless renewed.",
        ["events"] = "The events the command caused, in order; empty when it changed nothing.",
        ["replyId"] = "The reply's id, for a reply command.",
        ["values"] = "Values to set under the caller's namespace: a value replaces, null removes.",
        ["customer"] = "The customer, with their identities.",
        ["channels"] = "Every channel account the conversation has used.",
        ["lastInboundAt"] = "When the customer last wrote.",
        ["acknowledgedAt"] = "When a department first acknowledged the current episode; null until then.",
        ["episode"] = "Which opening of the conversation this is: 1, then one more at each reopening.",
        ["episodeOpenedAt"] =
            "When the current episode began (the opening, or the latest reopening): its acknowledgement, response "
            + "and resolution are counted from then.",
        ["assignment"] = "The team and agent who own it.",
        ["priority"] = "How urgent it is, and why.",
        ["links"] = "Records in department systems that this conversation is linked to.",
        ["context"] = "What each department has put on the conversation, by namespace (the app's key name).",
        ["latestEngagements"] = "The latest inbound engagements, newest first.",
        ["latestReplies"] = "The latest replies, newest first.",
        ["key"] = "The API key itself. Shown this once: store it in your secret store.",
        ["workspace"] = "The key's workspace.",
        ["keyName"] = "The key's name.",
        ["mergedInto"] = "The customer this one was merged into; null unless merged away.",
        ["conversations"] = "The customer's conversations the key may see.",
        ["eventId"] = "The event's id.",
        ["eventType"] = "The event type.",
        ["attempts"] = "How many attempts were made.",
        ["nextAttemptAt"] = "When the next attempt is due; null when delivered or failed.",
        ["attemptLog"] = "Every attempt, oldest first.",
        ["timeToAcknowledgeSeconds"] = "Seconds from opening to the first acknowledgement; null until acknowledged.",
        ["timeToResolveSeconds"] = "Seconds from opening to resolution; null while open.",
        ["receivedAt"] = "When the hub accepted it.",
        ["kind"] = "`app` (an API key), `platform` (a channel's webhook) or `system` (the hub's own rules).",
        ["subject"] =
            "The id of the stream the event belongs to: the conversation, else the customer, the subscription, the "
            + "team, or the brand's stream.",
        ["engagements"] = "New engagements the payload held.",
        ["IngestEngagementBatchRequest.engagements"] =
            "The engagements, 1 to 500, each shaped as the body of `POST /v1/engagements`; each succeeds or fails on "
            + "its own, and items of one author or thread are ingested in this order.",
        ["IngestEngagementBatchResponse.results"] = "One outcome per item, in the order of `engagements`.",
        ["IngestEngagementBatchResponse.accepted"] = "Items ingested now.",
        ["IngestEngagementBatchResponse.duplicates"] =
            "Items whose platform message the hub had ingested before (by an earlier request or earlier in this batch).",
        ["IngestEngagementBatchResponse.failed"] =
            "Items not ingested (see each one's `problem`). Retry them, or the whole batch: what went in answers "
            + "`duplicate`, with the same ids.",
        ["BatchItemResult.index"] = "The item's position in `engagements`, from 0.",
        ["BatchItemResult.status"] =
            "`accepted` (new), `duplicate` (seen before: the ids are those of its first ingestion) or `failed` (see "
            + "`problem`).",
        ["BatchItemResult.problem"] =
            "Why the item was not ingested (`failed` only): the problem `POST /v1/engagements` would answer for it alone.",
        ["BatchItemProblem.type"] = "A URI naming the kind of problem: `urn:socialcare:problem:` and its `code`.",
        ["BatchItemProblem.title"] = "A short summary of the kind of problem.",
        ["BatchItemProblem.status"] =
            "The HTTP status the item would have got alone: 400 or 422 for the item's own fault; 409 or 5xx for a "
            + "failure a retry may cure.",
        ["BatchItemProblem.detail"] = "What was wrong with this item.",
        ["BatchItemProblem.code"] = "The problem's stable code (docs/problems.md).",
        ["BatchItemProblem.errors"] =
            "For `validation-failed`: each failing field (its path within the item) and what is wrong with it.",
        ["duplicates"] = "Engagements the hub had already accepted (the platform sent them again).",
        ["statuses"] = "Reply status updates (sent, delivered, read, failed) the payload held.",
        ["ignored"] = "Entries the hub does not act on (reactions, edits, unknown kinds).",
        ["author"] = "Who wrote it, as the source knows them.",
        ["engagementId"] = "The engagement's id.",
        ["linked"] = "True when the identity was linked now; false when it was already this customer's.",
        ["linkedBy"] = "The app that linked it.",
        ["linkedAt"] = "When it was linked.",
        ["mergedCustomerId"] = "The customer merged away.",
        ["movedIdentities"] = "The identities that moved to the remaining customer.",
        ["movedConversationIds"] = "The conversations that moved to the remaining customer.",
        ["resolvedConversationIds"] =
            "Conversations resolved by the merge: a customer has one open conversation per brand.",
        ["deliveryId"] = "The queued delivery's id; follow it in the subscription's deliveries.",
        ["activeKey"] = "The id of the encryption key stored secrets are now encrypted under.",
        ["rewritten"] = "How many secrets were re-encrypted, per kind.",
        ["fromSequence"] = "Replay events from this sequence, inclusive.",
        ["fromTime"] = "Replay events recorded at or after this time.",
        ["replayed"] = "How many deliveries were queued.",
        ["scannedThrough"] = "The last sequence this call looked at.",
        ["code"] = "The platform's error code.",
        ["message"] = "The platform's error message.",
        ["parameters"] = "The template's body parameters, in order.",
        ["template"] = "An approved template, for platforms that require one outside the messaging window.",
        ["recipient"] = "The customer's id on the platform the reply went to.",
        ["requestedBy"] = "The app that asked for the reply.",
        ["requestedAt"] = "When the reply was asked for.",
        ["sentAt"] = "When the platform accepted it; null until then.",
        ["readAt"] = "When the customer read it, where the platform tells; null until then.",
        ["failedAt"] = "When it failed; null unless it did.",
        ["minPriority"] = "Deliver only events of conversations at this priority or higher.",
        ["disabledReason"] = "Why the hub disabled the subscription (its endpoint kept failing); null when enabled.",
        ["secret"] = "The signing secret (`whsec_…`) for the Standard Webhooks signature. Shown only now.",
        ["previousSecretExpiresAt"] =
            "Until then deliveries are also signed with the previous secret, so that the endpoint can switch over.",
        ["add"] = "Tags to add.",
        ["remove"] = "Tags to remove.",
        ["filters"] = "Which events of the subscribed types to deliver.",
        ["actor"] = "Who caused it.",
        ["identity"] = "The identity.",
        ["previousTeam"] = "The team before this change; null if there was none.",
        ["previousAgent"] = "The agent before this change; null if there was none.",
        ["fromChannelId"] = "The channel account the conversation moved from.",
        ["fromChannelType"] = "The channel type the conversation moved from.",
        ["toChannelId"] = "The channel account the conversation moved to: where replies now go by default.",
        ["toChannelType"] = "The channel type the conversation moved to.",
        ["renewed"] = "True when the same app renewed its own claim; false for a new claim.",
        ["namespace"] = "The namespace the values were set under: the app's key name.",
        ["noteId"] = "The note's id.",
        ["previousLevel"] = "The priority before this change.",
        ["previouslyResolvedAt"] = "When the conversation had been resolved, before it reopened.",
        ["added"] = "Tags added by this change.",
        ["removed"] = "Tags removed by this change.",
        ["forced"] = "True when the reply was sent with `force` past a rule that would have refused it.",
        ["subscriptionId"] = "The webhook subscription's id.",
        ["failedEventId"] = "The id of the event whose delivery was given up.",
        ["failedEventType"] = "The type of the event whose delivery was given up.",
        ["lastStatusCode"] = "The endpoint's HTTP status at the last attempt; null when no answer came.",
        ["lastError"] = "Why the last attempt failed, when no answer came.",
        ["BrandResponse.brand"] = "The brand's name, as channels and conversations carry it.",
        ["TeamResponse.version"] = "The team's version: send it as `If-Match` to change only what you read.",
        ["TeamResponse.name"] = "The team's name: what `assign` names, unique in the workspace ignoring case.",
        ["CreateTeamRequest.name"] = "The team's name: what `assign` names, unique in the workspace ignoring case.",
        ["UpdateTeamRequest.name"] = "A new name for the team; conversations already assigned keep the old one.",
        ["TeamResponse.brands"] = "The brands whose conversations the team takes; null for every brand.",
        ["CreateTeamRequest.brands"] =
            "The brands whose conversations the team takes; omit for every brand (a brand-limited key names its own).",
        ["UpdateTeamRequest.brands"] = "New brands for the team; omitted, they stay.",
        ["TeamResponse.description"] = "What the team does, for people.",
        ["CreateTeamRequest.description"] = "What the team does, for people.",
        ["UpdateTeamRequest.description"] = "A new description; omitted, it stays.",
        ["BrandResponse.version"] = "The brand's version: send it as `If-Match` to change only what you read.",
        ["openNow"] = "Whether the brand is open at the time of the answer, by its hours and holidays.",
        ["nextOpeningAt"] =
            "When the brand is next open: the time of the answer while it is open; null if its hours never open again "
            + "within two years (every day a holiday).",
        ["timeZone"] = "The brand's IANA time zone (`Asia/Riyadh`): its business hours and holidays are in it.",
        ["businessHours"] =
            "The openings of each day (`sun` … `sat`) in local time; a day left out is closed. Empty or omitted: "
            + "always open.",
        ["holidays"] = "Local dates the brand is closed all day.",
        ["defaultSlaPolicyId"] = "The SLA policy the brand's conversations get unless a rule applies another.",
        ["languages"] = "The languages the brand answers in, as BCP 47 tags, preferred first.",
        ["from"] = "When the opening starts, `HH:mm` local time.",
        ["to"] = "When it ends, `HH:mm` local time (`24:00` for midnight).",
        ["Problem.errors"] = "For `validation-failed`: the messages per JSON path of the request body.",
        ["FeedbackRequest.kind"] = "The survey: `csat` (1–5), `nes` (1–7), `ces` (1–7) or `nps` (0–10).",
        ["FeedbackRequest.score"] = "The customer's score, on the survey's scale.",
        ["FeedbackRequest.comment"] = "What the customer wrote with it, if anything (up to 4,000 characters).",
        ["FeedbackRequest.channelId"] = "The channel account the answer came on; omit when the survey ran elsewhere.",
        ["FeedbackRequest.respondedAt"] = "When the customer answered; omitted, now.",
        ["RuleResponse.version"] = "The rule's version: send it as `If-Match` to change only what you read.",
        ["RuleRequest.name"] = "The rule's name: the actor name of the events it causes.",
        ["RuleResponse.name"] = "The rule's name: the actor name of the events it causes.",
        ["RuleRequest.enabled"] = "Whether the rule runs (default true).",
        ["RuleResponse.enabled"] = "Whether the rule runs.",
        ["RuleRequest.order"] =
            "Where the rule runs among the rules of its trigger: lower first, then older (default 0).",
        ["RuleResponse.order"] = "Where the rule runs among the rules of its trigger: lower first, then older.",
        ["RuleRequest.brands"] =
            "The brands whose conversations the rule runs on; omit for every brand (a brand-limited key names its own).",
        ["RuleResponse.brands"] = "The brands whose conversations the rule runs on; null for every brand.",
        ["RuleRequest.trigger"] = "The event the rule runs on, right after it commits.",
        ["RuleResponse.trigger"] = "The event the rule runs on, right after it commits.",
        ["RuleRequest.conditions"] = "When the rule matches; omitted, always.",
        ["RuleResponse.conditions"] = "When the rule matches.",
        ["RuleRequest.actions"] = "What the rule does when it matches, in order (1 to 10).",
        ["RuleResponse.actions"] = "What the rule does when it matches, in order.",
        ["RuleRequest.stopProcessing"] =
            "Whether later rules are skipped for the event once this one matched (default false).",
        ["RuleResponse.stopProcessing"] = "Whether later rules are skipped for the event once this one matched.",
        ["RuleConditionsRequest.all"] = "Conditions that must all hold.",
        ["RuleConditionsRequest.any"] = "Conditions of which at least one must hold; omitted or empty: none asked.",
        ["RuleTestRequest.engagement"] = "The engagement to try the rules on, as `POST /v1/engagements` takes it.",
        ["RuleTestRequest.conversationId"] =
            "The conversation the engagement would join; omitted, a new conversation of the channel's brand.",
        ["RuleTestRequest.trigger"] = "The trigger to try (default `engagement.received`).",
        ["RuleTestRequest.at"] = "The moment to try at (default now): business hours and replies' times are read then.",
        ["RuleTestRequest.rule"] = "A rule not saved yet, to try alone instead of the workspace's rules.",
        ["RuleTestResponse.trigger"] = "The trigger tried.",
        ["RuleTestResponse.at"] = "The moment tried at.",
        ["RuleTestResponse.withinBusinessHours"] = "Whether the brand is open at that moment.",
        ["RuleTestResponse.rules"] = "The rules of the trigger that the key may see, in the order they would run.",
        ["RuleTestOutcome.ruleId"] = "The rule's id; null for a draft.",
        ["RuleTestOutcome.name"] = "The rule's name.",
        ["RuleTestOutcome.matched"] = "Whether its conditions held.",
        ["RuleTestOutcome.conditions"] = "Each condition's verdict, `all` first.",
        ["RuleTestOutcome.actions"] = "What each action would do; empty when the rule did not match.",
        ["RuleConditionOutcome.field"] = "The field the condition reads.",
        ["RuleConditionOutcome.op"] = "The operator.",
        ["RuleConditionOutcome.value"] = "The value the condition compares with.",
        ["RuleConditionOutcome.actual"] = "What the field held; null when it was missing.",
        ["RuleConditionOutcome.passed"] = "Whether the condition held.",
        ["RuleConditionOutcome.note"] =
            "Why it could not tell, when it could not (a regular expression that took too long).",
        ["RuleActionOutcome.type"] = "The action.",
        ["RuleActionOutcome.outcome"] =
            "`applied` (with the events it would append), `unchanged` (already so) or `refused` (with the problem code).",
        ["RuleActionOutcome.events"] = "The types of the events it would append.",
        ["RuleActionOutcome.code"] = "For `refused`: the problem code the API would answer.",
        ["RuleActionOutcome.detail"] = "For `refused`: why.",
        ["RuleActionOutcome.text"] = "For `reply`: the text it would send, placeholders filled in.",
        ["RuleActionOutcome.language"] = "For `reply`: the language of that text.",
        ["ruleId"] = "The triage rule's id, for a rule; null otherwise.",
        ["SlaPolicyResponse.version"] = "The policy's version: send it as `If-Match` to change only what you read.",
        ["SlaPolicyRequest.name"] = "The policy's name, for people.",
        ["SlaPolicyResponse.name"] = "The policy's name, for people.",
        ["firstResponse"] =
            "Time to the first response of each episode, as an ISO 8601 duration (`PT1H`); null or omitted: not "
            + "measured.",
        ["nextResponse"] =
            "Time to answer each customer message that follows a response (`PT4H`): the keep-them-informed clock; null "
            + "or omitted: not measured.",
        ["resolution"] =
            "Time from the start of each episode to its resolution (`P1D`); null or omitted: not measured.",
        ["SlaPolicyRequest.businessHoursOnly"] =
            "Whether clocks run only inside the brand's business hours, in its time zone (default false).",
        ["SlaPolicyResponse.businessHoursOnly"] =
            "Whether clocks run only inside the brand's business hours, in its time zone.",
        ["warnBefore"] = "How long before a target falls due `sla.warning` is sent (`PT10M`); null: no warning.",
        ["SlaPolicyRequest.countAutomaticReplies"] =
            "Whether a rule's automatic reply counts as a response (default false: only people and apps respond).",
        ["SlaPolicyResponse.countAutomaticReplies"] =
            "Whether a rule's automatic reply counts as a response; otherwise only people and apps respond.",
        ["ResponseTimesReport.from"] = "The start of the range, rounded down to the hour (UTC).",
        ["ResponseTimesReport.to"] = "The end of the range (excluded), rounded up to the hour (UTC).",
        ["ResponseTimesReport.timeZone"] = "The IANA time zone days, weeks and interval starts are counted in.",
        ["ResponseTimesReport.asOf"] = "How far into the event log the figures reach.",
        ["ResponseTimesReport.rows"] = "One row per group (and interval), in order; the same rows as the CSV.",
        ["VolumeReport.from"] = "The start of the range, rounded down to the hour (UTC).",
        ["VolumeReport.to"] = "The end of the range (excluded), rounded up to the hour (UTC).",
        ["VolumeReport.timeZone"] = "The IANA time zone days, weeks and interval starts are counted in.",
        ["VolumeReport.asOf"] = "How far into the event log the figures reach.",
        ["VolumeReport.rows"] = "One row per group (and interval), in order; the same rows as the CSV.",
        ["FeedbackReport.from"] = "The start of the range, rounded down to the hour (UTC).",
        ["FeedbackReport.to"] = "The end of the range (excluded), rounded up to the hour (UTC).",
        ["FeedbackReport.timeZone"] = "The IANA time zone days, weeks and interval starts are counted in.",
        ["FeedbackReport.asOf"] = "How far into the event log the figures reach.",
        ["FeedbackReport.rows"] = "One row per group (and interval), in order; the same rows as the CSV.",
        ["ResponseTimesReport.groupBy"] = "What the rows are grouped by; null: the total only.",
        ["VolumeReport.groupBy"] = "What each interval is split by; null: one row per interval.",
        ["FeedbackReport.groupBy"] = "What the rows are grouped by besides the survey kind; null: per kind only.",
        ["ResponseTimesReport.businessHours"] = "Whether durations count only the brand's business hours.",
        ["ResponseTimesReport.total"] = "The figures of every episode in the range, whatever its group.",
        ["VolumeReport.interval"] = "`hour` or `day`, in the report's time zone.",
        ["VolumeReport.total"] = "The sums over the whole range.",
        ["ReportFreshness.sequence"] = "Every event up to this global sequence counts in the figures.",
        ["ReportFreshness.behind"] =
            "Events committed since that do not count yet (0 when the reports have caught up).",
        ["ReportsRebuild.head"] =
            "The log's head when the rebuild started; reports have caught up when `asOf.sequence` reaches it.",
        ["ResponseTimeRow.key"] =
            "The group: a channel type, channel id, brand, team, priority or local date (`yyyy-MM-dd`, a week by "
            + "its Monday); null for no team, and in `total`.",
        ["ResponseTimeRow.opened"] = "Conversations opened (first episodes that started in the range).",
        ["ResponseTimeRow.reopened"] = "Reopenings (later episodes that started in the range).",
        ["ResponseTimeRow.acknowledged"] = "Of those episodes, how many were acknowledged.",
        ["ResponseTimeRow.responded"] =
            "Of those episodes, how many got a response from a person or an app (not a rule).",
        ["ResponseTimeRow.resolved"] = "Of those episodes, how many were resolved.",
        ["ResponseTimeRow.timeToAcknowledge"] = "From each episode's start to its acknowledgement.",
        ["ResponseTimeRow.timeToFirstResponse"] =
            "From each episode's start to its first response by a person or an app.",
        ["ResponseTimeRow.timeToResolution"] = "From each episode's start to its resolution.",
        ["ResponseTimeRow.answeredWithin"] =
            "Shares of the episodes (0 to 1) first answered within 15 minutes, an hour, a day.",
        ["ResponseTimeRow.firstContactResolution"] = "Conversations resolved at first contact.",
        ["ResponseTimeRow.sla"] = "SLA clocks of these episodes met and breached, per target.",
        ["DurationFigures.count"] = "How many durations.",
        ["DurationFigures.mean"] = "Their mean, in seconds (exact, to the millisecond); null without durations.",
        ["DurationFigures.p50"] =
            "The median in seconds: exact below 100 s, rounded down to two significant figures above.",
        ["DurationFigures.p90"] = "The 90th percentile in seconds, read as the median is.",
        ["DurationFigures.p99"] = "The 99th percentile in seconds, read as the median is.",
        ["AnsweredWithin.within15Minutes"] =
            "Share of the episodes first answered within 15 minutes; null without episodes.",
        ["AnsweredWithin.within1Hour"] = "Share of the episodes first answered within an hour.",
        ["AnsweredWithin.within24Hours"] = "Share of the episodes first answered within 24 hours.",
        ["FirstContactResolution.count"] =
            "Conversations resolved in their first episode with exactly one response, never reopened.",
        ["FirstContactResolution.rate"] =
            "That count over the conversations whose first episode was resolved; null when none was.",
        ["SlaOutcome.met"] = "Clocks of the target met in time.",
        ["SlaOutcome.breached"] = "Clocks of the target that fell due first.",
        ["SlaOutcomes.firstResponse"] = "The first-response target.",
        ["SlaOutcomes.nextResponse"] = "The next-response target.",
        ["SlaOutcomes.resolution"] = "The resolution target.",
        ["VolumeRow.start"] = "When the interval starts, in the report's time zone.",
        ["VolumeRow.key"] = "The group (a channel type, brand or visibility); null when not grouped, and in `total`.",
        ["VolumeRow.inbound"] = "Engagements received (messages, posts, comments).",
        ["VolumeRow.outbound"] = "Replies requested, by people, apps and rules.",
        ["VolumeRow.newCustomers"] = "Customers whose first engagement in the workspace this was.",
        ["FeedbackRow.kind"] = "The survey: `csat`, `nes`, `ces` or `nps`.",
        ["FeedbackRow.key"] =
            "The group (brand, channel type, channel id, team or local date); null when grouped by kind only or "
            + "for no team.",
        ["FeedbackRow.responses"] = "How many answers.",
        ["FeedbackRow.mean"] = "The mean score; null without answers.",
        ["FeedbackRow.score"] =
            "The kind's score, 0 to 100 (NPS and NES -100 to 100): CSAT the share of 4 and 5, NPS promoters "
            + "(9–10) less detractors (0–6), NES easy (5–7) less difficult (1–3), CES the share of 5 to 7.",
        ["FeedbackRow.distribution"] = "How many answers gave each score of the kind's scale.",
    };

    private static readonly Dictionary<string, string> Parameters = new(StringComparer.Ordinal)
    {
        ["from"] = "The start of the range (ISO 8601), rounded down to the hour; default 7 days before `to`.",
        ["to"] = "The end of the range (excluded, ISO 8601), rounded up to the hour; default now.",
        ["timeZone"] = "The IANA time zone days, weeks and intervals are counted in; default `UTC`.",
        ["businessHours"] = "Count only the time inside each brand's business hours (default false: the wall clock).",
        ["interval"] = "`hour` or `day` (default), in `timeZone`.",
        ["GetResponseTimesReport:groupBy"] =
            "Group the episodes by `channelType`, `channel`, `brand`, `team`, `priority`, `day` or `week`.",
        ["GetVolumeReport:groupBy"] = "Split each interval by `channelType`, `brand` or `visibility`.",
        ["GetFeedbackReport:groupBy"] =
            "Group each survey kind's answers by `kind` (default), `channelType`, `channel`, `brand`, `team`, "
            + "`day` or `week`.",
        ["id"] = "The resource's id.",
        ["after"] = "The `next` cursor of the previous page; omitted, the first page.",
        ["limit"] = "How many items per page (1 to 500, default 50).",
        ["type"] = "Only channel accounts of this type.",
        ["replyId"] = "The reply's id.",
        ["deliveryId"] = "The delivery's id.",
        ["keyId"] = "The API key's id.",
        ["GetBrand:brand"] = "The brand's name, as channels and conversations carry it.",
        ["PutBrand:brand"] = "The brand's name, as channels and conversations carry it.",
        ["DeleteBrand:brand"] = "The brand's name, as channels and conversations carry it.",
        ["ListBrands:after"] = "The `next` of the previous page: the last brand name it held.",
        ["channelAccountId"] = "The channel account's id in the hub, as in the webhook URL given to the platform.",
        ["VerifyPlatformWebhook:type"] = "The platform: `whatsapp`, `messenger`, `instagram` or `x`.",
        ["ReceivePlatformWebhook:type"] = "The platform: `whatsapp`, `messenger`, `instagram` or `x`.",
        ["status"] = "Only items in this status.",
        ["RegisterBusConsumer:name"] =
            "The consumer's name: 1 to 100 lower-case letters, digits, '.', '_' or '-' (e.g. `crm-worker`).",
        ["RemoveBusConsumer:name"] = "The consumer's name.",
        ["ListConversations:status"] = "Only `open` or only `resolved` conversations.",
        ["ListSubscriptionDeliveries:status"] = "Only `pending`, `delivered` or `failed` deliveries.",
        ["ListDeadLetters:source"] =
            "Only dead letters from `relay` (events the relay could not read), `follower` (events the workflow or the "
            + "reports could not read) or `queue` (messages that exhausted their retries on a hub queue).",
        ["ListDeadLetters:status"] =
            "`pending` (the default: waiting for an operator), `redriven` (sent back), or `all`.",
        ["brand"] = "Only conversations of this brand.",
        ["channel"] = "Only conversations that used this channel account.",
        ["customer"] = "Only conversations of this customer.",
        ["team"] = "Only conversations assigned to this team.",
        ["agent"] = "Only conversations assigned to this agent.",
        ["tag"] = "Only conversations that carry this tag.",
        ["priority"] = "Only conversations at this priority.",
        ["link"] = "Only conversations linked to this record, as `system:recordType:recordId`.",
        ["sort"] = "The order: `created` (newest first, the default) or `lastActivity` (most recently active first).",
        ["identity"] = "A platform identity, as `channelType:platformUserId` (`whatsapp:966500000001`).",
        ["types"] = "Only these event types: a comma-separated list of exact types and families (`conversation.*`).",
        ["ListEvents:after"] = "The sequence to read after; 0 or omitted, from the beginning of what the key may see.",
        ["StreamEvents:after"] = "Start after this sequence; without it and without `Last-Event-ID`, from now.",
        ["Last-Event-ID"] = "The last sequence an interrupted stream received; it resumes after it.",
    };
}
