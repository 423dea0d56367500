-- Triage rules (issue 18, point 3): the rule streams' last event, as teams and SLA policies are. conditions and
-- actions are the rule's JSON as the API took it; the workflow processor reads the enabled rules of a trigger in order.
create table rules (
    id uuid primary key,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    name text not null,
    enabled boolean not null,
    "order" int not null,
    brands text[],
    trigger text not null,
    conditions jsonb not null,
    actions jsonb not null,
    stop_processing boolean not null,
    version bigint not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz
);

create index rules_workspace on rules (workspace_id, "order", id) where deleted_at is null;
