-- SLA policies and clocks (issue 18, point 4). sla_policies is the policy streams' last event, as teams are; targets
-- are ISO 8601 durations as the API took them. conversation_sla is the policy governing each conversation (a snapshot
-- taken when it was applied, so that a later change of the policy leaves running clocks alone) and what the clocks
-- need to know about the current episode. sla_clocks holds every clock of every episode; next_at is the durable timer:
-- when the workflow processor must look at the clock again (its warning, then its due time), null once nothing is left
-- to fire. All three are written by the workflow processor only, in the transaction that appends the sla.* events.
create table sla_policies (
    id uuid primary key,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    name text not null,
    first_response text,
    next_response text,
    resolution text,
    business_hours_only boolean not null,
    warn_before text,
    count_automatic_replies boolean not null,
    version bigint not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz
);

create index sla_policies_workspace on sla_policies (workspace_id, id) where deleted_at is null;

create table conversation_sla (
    conversation_id uuid primary key references conversations (id) on delete cascade,
    workspace_id uuid not null,
    policy_id uuid not null,
    policy_name text not null,
    first_response text,
    next_response text,
    resolution text,
    business_hours_only boolean not null,
    warn_before text,
    count_automatic_replies boolean not null,
    source text not null,
    applied_at timestamptz not null,
    episode int not null,
    responded_at timestamptz
);

create table sla_clocks (
    conversation_id uuid not null references conversations (id) on delete cascade,
    episode int not null,
    target text not null,
    started_at timestamptz not null,
    workspace_id uuid not null,
    policy_id uuid not null,
    policy_name text not null,
    warn_at timestamptz,
    due_at timestamptz,
    status text not null check (status in ('running', 'met', 'breached', 'stopped')),
    warned_at timestamptz,
    met_at timestamptz,
    breached_at timestamptz,
    stopped_at timestamptz,
    next_at timestamptz,
    primary key (conversation_id, episode, target, started_at, policy_id)
);

create index sla_clocks_timer on sla_clocks (next_at) where next_at is not null;

-- A rule's automatic reply counts as a response only when the policy says so.
alter table replies add column automatic boolean not null default false;

-- The workflow processor follows the log as the relay does, and sets aside an event it cannot read in the same table:
-- one row per follower.
alter table event_dead_letters drop constraint event_dead_letters_pkey, add primary key (event_id, follower);
