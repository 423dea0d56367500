-- Replies: what departments send the customer, and how far each got on the platform.
create table replies (
    id                   uuid primary key,
    workspace_id         uuid        not null,
    conversation_id      uuid        not null references conversations (id) on delete cascade,
    channel_id           uuid        not null references channels (id),
    recipient            text        not null,
    text                 text,
    attachments          jsonb       not null default '[]',
    visibility           text        not null,
    status               text        not null,
    platform_message_id  text,
    error                jsonb,
    requested_by         text,
    requested_at         timestamptz not null,
    sent_at              timestamptz,
    delivered_at         timestamptz,
    read_at              timestamptz,
    failed_at            timestamptz
);

create index replies_conversation on replies (conversation_id, requested_at desc);
-- Platform status webhooks find our reply by the id the platform gave it.
create index replies_platform_message on replies (channel_id, platform_message_id) where platform_message_id is not null;
