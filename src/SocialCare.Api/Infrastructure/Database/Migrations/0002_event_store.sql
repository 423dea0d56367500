-- The event store (Marten's shape, over plain Npgsql) and the relay's progress.
--
-- Ordering without loss: writers insert events with seq = NULL, stamped with their transaction id.
-- The relay (one leader) later gives a gapless global seq to events whose writing transaction is
-- older than every transaction still running (tx_id < pg_snapshot_xmin), in (tx_id, position) order.
-- So a transaction that commits late can never be overtaken and skipped, and a rolled-back one
-- leaves no gap: readers that follow seq see only final events, each exactly once.
create table streams (
    id            uuid primary key,
    workspace_id  uuid        not null references workspaces (id) on delete cascade,
    type          text        not null,
    version       bigint      not null,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);

create table events (
    id              uuid primary key,
    position        bigserial   not null,
    seq             bigint,
    tx_id           xid8        not null default pg_current_xact_id(),
    stream_id       uuid        not null references streams (id) on delete cascade,
    stream_version  bigint      not null,
    workspace_id    uuid        not null,
    type            text        not null,
    data            jsonb       not null,
    metadata        jsonb       not null default '{}',
    recorded_at     timestamptz not null,
    unique (stream_id, stream_version)
);

create unique index events_seq on events (seq) where seq is not null;
create index events_unsequenced on events (tx_id, position) where seq is null;
create index events_workspace_seq on events (workspace_id, seq) where seq is not null;

-- One row per follower of the log (the relay, later the webhook fan-out): how far it has got.
create table event_progress (
    name        text primary key,
    last_seq    bigint      not null default 0,
    updated_at  timestamptz not null default now()
);

-- Events the relay could not publish (an unknown type, a body that no longer deserialises): kept, not lost.
create table event_dead_letters (
    event_id    uuid primary key references events (id) on delete cascade,
    seq         bigint      not null,
    follower    text        not null,
    error       text        not null,
    created_at  timestamptz not null default now()
);

-- Channel accounts: a brand's presence on one platform. Secrets live apart from settings and are never returned.
create table channels (
    id            uuid primary key,
    workspace_id  uuid        not null references workspaces (id) on delete cascade,
    type          text        not null,
    name          text        not null,
    brand         text        not null,
    settings      jsonb       not null default '{}',
    secrets       jsonb       not null default '{}',
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    deleted_at    timestamptz
);

create index channels_workspace on channels (workspace_id, id);

create table customers (
    id            uuid primary key,
    workspace_id  uuid        not null references workspaces (id) on delete cascade,
    display_name  text,
    created_at    timestamptz not null
);

create table customer_identities (
    workspace_id      uuid        not null,
    channel_type      text        not null,
    platform_user_id  text        not null,
    customer_id       uuid        not null references customers (id) on delete cascade,
    display_name      text,
    handle            text,
    created_at        timestamptz not null,
    primary key (workspace_id, channel_type, platform_user_id)
);

create index customer_identities_customer on customer_identities (customer_id);

create table conversations (
    id                  uuid primary key,
    workspace_id        uuid        not null references workspaces (id) on delete cascade,
    brand               text        not null,
    customer_id         uuid        not null references customers (id),
    status              text        not null,
    current_channel_id  uuid        not null,
    channel_ids         uuid[]      not null,
    channel_types       text[]      not null,
    opened_at           timestamptz not null,
    last_activity_at    timestamptz not null,
    last_inbound_at     timestamptz,
    resolved_at         timestamptz,
    engagement_count    integer     not null default 0,
    version             bigint      not null
);

-- At most one open conversation per customer and brand: the rule that makes channels converge.
create unique index conversations_one_open on conversations (workspace_id, customer_id, brand) where status = 'open';
create index conversations_workspace on conversations (workspace_id, id desc);
create index conversations_customer on conversations (customer_id, brand, resolved_at desc);

-- Public threads (a tweet and its replies, a post's comments) keep to one conversation.
create table conversation_threads (
    workspace_id     uuid not null,
    channel_id       uuid not null,
    thread_key       text not null,
    conversation_id  uuid not null references conversations (id) on delete cascade,
    primary key (workspace_id, channel_id, thread_key)
);

create table engagements (
    id                   uuid primary key,
    workspace_id         uuid        not null,
    channel_id           uuid        not null references channels (id),
    platform_message_id  text        not null,
    conversation_id      uuid        not null references conversations (id) on delete cascade,
    customer_id          uuid        not null,
    thread_key           text,
    author               jsonb       not null,
    text                 text,
    attachments          jsonb       not null default '[]',
    visibility           text        not null,
    language             text,
    metadata             jsonb,
    occurred_at          timestamptz not null,
    received_at          timestamptz not null,
    -- The dedupe key: a platform redelivering a message finds it here.
    unique (workspace_id, channel_id, platform_message_id)
);

create index engagements_conversation on engagements (conversation_id, occurred_at desc, id desc);
