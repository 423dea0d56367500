-- One row per (subscription, event): the durable promise to deliver. Workers lease due rows with SKIP LOCKED.
create table webhook_deliveries (
    id               uuid primary key,
    subscription_id  uuid        not null references subscriptions (id) on delete cascade,
    workspace_id     uuid        not null,
    event_id         uuid        not null,
    event_type       text        not null,
    sequence         bigint      not null,
    payload          text        not null,
    status           text        not null,
    attempts         integer     not null default 0,
    next_attempt_at  timestamptz not null,
    last_status_code integer,
    last_error       text,
    created_at       timestamptz not null default now(),
    delivered_at     timestamptz,
    unique (subscription_id, event_id)
);

create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_subscription on webhook_deliveries (subscription_id, id desc);

-- Every attempt, for the delivery log.
create table webhook_attempts (
    id             bigserial primary key,
    delivery_id    uuid        not null references webhook_deliveries (id) on delete cascade,
    attempted_at   timestamptz not null,
    status_code    integer,
    latency_ms     integer     not null,
    response_body  text,
    error          text
);

create index webhook_attempts_delivery on webhook_attempts (delivery_id, id);
