-- Retention (issue 20): how long a workspace keeps engagement and reply text, attachments, and the personal data of
-- conversations resolved long ago; a durable job removes what is due.
create table workspace_retention (
    workspace_id         uuid primary key references workspaces (id),
    engagement_text      text,
    attachments          text,
    closed_conversations text,
    updated_at           timestamptz not null
);

-- When retention erased a resolved conversation's personal data (it is done again if the conversation reopens and is
-- resolved again).
alter table conversations add column retained_at timestamptz;

-- The job's searches shrink as it works: only rows still holding what it removes.
create index engagements_text_retention on engagements (workspace_id, received_at) where text is not null;
create index engagements_attachments_retention on engagements (workspace_id, received_at) where attachments <> '[]';
create index replies_text_retention on replies (workspace_id, requested_at) where text is not null;
create index replies_attachments_retention on replies (workspace_id, requested_at) where attachments <> '[]';
create index conversations_retention on conversations (workspace_id, resolved_at) where status = 'resolved';

-- What a stored Idempotency-Key answer is about (the route's id: a conversation, a customer), so that erasing a
-- customer drops the answers about them and their conversations.
alter table idempotency_keys add column subject uuid;
create index idempotency_keys_subject on idempotency_keys (subject) where subject is not null;
