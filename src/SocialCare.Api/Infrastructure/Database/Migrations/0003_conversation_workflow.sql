-- What departments do to a conversation, as projections of its events.
alter table conversations
    add column acknowledged_at  timestamptz,
    add column assigned_team    text,
    add column assigned_agent   text,
    add column tags             text[] not null default '{}',
    add column priority         text   not null default 'normal',
    add column priority_reason  text;

create index conversations_tags on conversations using gin (tags);

-- Other departments' records hung on a conversation (an invoice, a CRM case, an order).
create table conversation_links (
    conversation_id  uuid        not null references conversations (id) on delete cascade,
    workspace_id     uuid        not null,
    system           text        not null,
    record_type      text        not null,
    record_id        text        not null,
    url              text,
    linked_by        text,
    linked_at        timestamptz not null,
    primary key (conversation_id, system, record_type, record_id)
);

create index conversation_links_record on conversation_links (workspace_id, system, record_type, record_id);

-- Each department's facts about the customer in this conversation, namespaced by the app that wrote them.
create table conversation_context (
    conversation_id  uuid        not null references conversations (id) on delete cascade,
    namespace        text        not null,
    key              text        not null,
    value            jsonb       not null,
    updated_at       timestamptz not null,
    primary key (conversation_id, namespace, key)
);

-- Idempotency-Key: the first response to a key is stored in the same transaction as its effects,
-- so a retry gets exactly that response and causes nothing new.
create table idempotency_keys (
    workspace_id     uuid        not null,
    api_key_id       text        not null,
    key              text        not null,
    request_hash     bytea       not null,
    status           integer     not null,
    etag             text,
    body             text        not null,
    created_at       timestamptz not null default now(),
    primary key (workspace_id, api_key_id, key)
);
