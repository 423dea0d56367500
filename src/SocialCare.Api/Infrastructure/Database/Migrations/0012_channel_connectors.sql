-- Native channel connectors.

-- A platform can report a status for a message before the send that created it has been recorded (the platform
-- answers the send, and its status webhook races our commit). Such a status waits here, keyed by the platform's
-- message id, and is applied when the send is recorded. Statuses for messages the hub never sent (another tool
-- on the same number) are swept after a day.
create table reply_status_backlog (
    channel_id           uuid        not null,
    platform_message_id  text        not null,
    status               text        not null,
    occurred_at          timestamptz not null,
    error                jsonb,
    received_at          timestamptz not null default now(),
    primary key (channel_id, platform_message_id, status)
);
create index reply_status_backlog_received on reply_status_backlog (received_at);

-- Messenger's read receipts are a watermark per customer: every reply to them sent before it was read.
create index replies_unread_by_recipient on replies (channel_id, recipient, sent_at) where status in ('sent', 'delivered');

-- A native channel account's platform id (phone number id, page id, X user id): one app's webhook carries several
-- accounts, and each part of a payload goes to the account of the same workspace that has the id.
create index channels_platform_account on channels (workspace_id, type, (coalesce(settings ->> 'phoneNumberId', settings ->> 'pageId',
    settings ->> 'instagramAccountId', settings ->> 'userId'))) where deleted_at is null;

-- A public reply answers a customer's post; a reply to our reply continues that post's thread.
alter table replies add column in_reply_to text;
