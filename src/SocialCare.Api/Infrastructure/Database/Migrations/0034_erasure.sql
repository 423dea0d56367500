-- Erasure (issue 20): a customer's personal data is rewritten out of the log and the read models; the erasure and the
-- receipts of the parties that held copies are kept here.
alter table customers add column erased_at timestamptz;
alter table replies alter column recipient drop not null;

-- Bus consumers that confirm erasures: every one registered in a workspace is a party to each of its erasures.
create table bus_consumers (
    workspace_id         uuid        not null references workspaces (id),
    name                 text        not null,
    description          text,
    registered_by_key_id text,
    created_at           timestamptz not null,
    primary key (workspace_id, name)
);

create table erasures (
    id                  uuid primary key,
    workspace_id        uuid        not null references workspaces (id),
    customer_id         uuid        not null,
    merged_customer_ids uuid[]      not null,
    conversation_ids    uuid[]      not null,
    events_erased       integer     not null,
    requested_at        timestamptz not null,
    requested_by        text,
    receipts_due_at     timestamptz not null,
    reminders_sent      integer     not null default 0,
    completed_at        timestamptz
);

create unique index erasures_customer on erasures (workspace_id, customer_id);
create index erasures_open on erasures (receipts_due_at) where completed_at is null;

create table erasure_parties (
    erasure_id    uuid        not null references erasures (id),
    kind          text        not null check (kind in ('subscription', 'consumer')),
    party         text        not null,
    confirmed_at  timestamptz,
    confirmed_by  text,
    primary key (erasure_id, kind, party)
);
