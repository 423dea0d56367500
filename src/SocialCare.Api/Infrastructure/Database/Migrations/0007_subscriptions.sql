-- Webhook subscriptions. The signing secret must be readable to sign, so it is stored (as Svix and Stripe do);
-- it is returned once, at creation or rotation, and never listed.
create table subscriptions (
    id                          uuid primary key,
    workspace_id                uuid        not null references workspaces (id) on delete cascade,
    url                         text        not null,
    event_types                 text[]      not null,
    filters                     jsonb       not null default '{}',
    description                 text,
    enabled                     boolean     not null default true,
    secret                      text        not null,
    previous_secret             text,
    previous_secret_expires_at  timestamptz,
    disabled_reason             text,
    created_at                  timestamptz not null default now(),
    updated_at                  timestamptz not null default now(),
    deleted_at                  timestamptz
);

create index subscriptions_workspace on subscriptions (workspace_id) where deleted_at is null;
