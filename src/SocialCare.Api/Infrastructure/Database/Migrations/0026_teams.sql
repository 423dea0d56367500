-- Teams (issue 18, point 2): what assign names once a workspace defines any. A name is unique in its workspace,
-- ignoring case; brands null means every brand. version is the team stream's version, and so the ETag. A deleted team
-- keeps its row (deleted_at) so that its stream and name history stay readable; its name is free again.
create table teams (
    id uuid primary key,
    workspace_id uuid not null references workspaces (id) on delete cascade,
    name text not null,
    brands text[],
    description text,
    version bigint not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz
);

create unique index teams_name on teams (workspace_id, lower(name)) where deleted_at is null;
create index teams_workspace on teams (workspace_id, id) where deleted_at is null;
