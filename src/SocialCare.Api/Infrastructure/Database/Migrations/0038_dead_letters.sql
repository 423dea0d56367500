-- Dead letters in one place (EventLog/DeadLetters): events the relay or a log follower could not read (until now in
-- event_dead_letters), and messages that exhausted their retries on one of the hub's own queues (until now moved by
-- MassTransit to <queue>_error, where nobody looked). Listed, inspected and redriven by the admin API.
create table dead_letters (
    id              uuid primary key,
    -- 'relay' (the outbox relay), 'follower' (the workflow processor, the reports), 'queue' (a hub queue).
    source          text        not null,
    -- The follower that could not read the event ('rabbitmq' is the relay's), or the queue the message faulted on.
    follower        text,
    queue           text,
    event_id        uuid,
    event_type      text,
    workspace_id    uuid,
    seq             bigint,
    error           text        not null,
    exception_type  text,
    -- A queue message as it was received, to be sent back as it was: its AMQP message id, content type, headers
    -- (strings, numbers and booleans as JSON) and body.
    message_id      text,
    content_type    text,
    headers         jsonb,
    body            bytea,
    at              timestamptz not null default now(),
    redriven_at     timestamptz,
    redrives        integer     not null default 0,
    -- What makes one dead letter: an event and its follower, or a queue message (its queue, message id and body: a
    -- message delivered again after a crash, or failing again after a redrive, is the same dead letter, listed again).
    fingerprint     text        not null unique
);

create index dead_letters_at on dead_letters (at desc, id desc);

insert into dead_letters (id, source, follower, event_id, event_type, workspace_id, seq, error, at, fingerprint)
select gen_random_uuid(), case d.follower when 'rabbitmq' then 'relay' else 'follower' end, d.follower, d.event_id,
    e.type, case when e.tenant_id ~ '^[0-9a-f-]{36}$' then e.tenant_id::uuid end, d.seq, d.error, d.created_at,
    d.event_id::text || ':' || d.follower
from event_dead_letters d left join mt_events e on e.id = d.event_id;

drop table event_dead_letters;

-- An operator's request that a log follower read a dead-lettered event again, on its next pass.
create table event_redrives (
    follower   text not null,
    event_id   uuid not null,
    primary key (follower, event_id)
);
