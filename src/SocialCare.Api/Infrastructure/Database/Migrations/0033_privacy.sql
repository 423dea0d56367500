-- Privacy (issue 20). Each workspace's pseudonym key (encrypted with the hub's secrets key like every stored secret),
-- made the first time a pseudonymous reader needs it.
create table workspace_privacy (
    workspace_id uuid primary key references workspaces (id),
    pseudonym_key text not null
);

-- What a subscription's deliveries show of customers' personal data. Existing subscriptions keep seeing everything.
alter table subscriptions add column pii text not null default 'full'
    check (pii in ('full', 'pseudonymous', 'none'));

-- Without pii:read a key reads pseudonymously. Existing keys saw everything and keep doing so.
update api_keys set scopes = array_append(scopes, 'pii:read') where not ('pii:read' = any (scopes));

-- A context value a department marked as the customer's personal data (personalValues).
alter table conversation_context add column personal boolean not null default false;
