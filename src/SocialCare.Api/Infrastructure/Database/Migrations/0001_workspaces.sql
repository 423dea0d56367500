-- Workspaces (tenants) and their API keys. Keys are stored as SHA-256 hashes only:
-- they are 238-bit random strings, so a fast hash is as safe as a slow one and costs nothing per request.
create table workspaces (
    id          uuid primary key,
    name        text        not null,
    created_at  timestamptz not null default now()
);

create table api_keys (
    id            uuid primary key,
    workspace_id  uuid        not null references workspaces (id) on delete cascade,
    name          text        not null,
    scopes        text[]      not null,
    brands        text[],
    key_hash      bytea       not null unique,
    key_hint      text        not null,
    created_at    timestamptz not null default now(),
    revoked_at    timestamptz
);

create index api_keys_workspace on api_keys (workspace_id, created_at);
