-- Hub instances that are alive (Webhooks/Scheduling/InstanceLeases.cs): each writes a heartbeat every 2 s. A delivery
-- notes the instance that leased it; when an instance stops beating (killed, its host gone), another releases its
-- deliveries at once instead of waiting for their leases to run out (up to 2.5 min).
create table hub_instances (
    id            uuid primary key,
    host          text        not null,
    started_at    timestamptz not null default now(),
    heartbeat_at  timestamptz not null default now()
);

alter table webhook_deliveries add column leased_by uuid;

create index webhook_deliveries_leased_by on webhook_deliveries (leased_by)
    where status = 'pending' and leased_by is not null;
