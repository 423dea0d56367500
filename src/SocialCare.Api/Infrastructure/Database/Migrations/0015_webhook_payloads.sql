-- An event's webhook payload (its CloudEvents envelope) is the same for every subscription it goes to: keep it once, in
-- its own table, instead of once per delivery row. Delivery rows are updated twice per attempt (the lease, then the
-- outcome), and PostgreSQL rewrites the whole row each time: with the payload out of them, those rewrites are small.
create table webhook_payloads (
    event_id  uuid primary key,
    payload   text not null
);
insert into webhook_payloads (event_id, payload)
select distinct on (event_id) event_id, payload from webhook_deliveries order by event_id, created_at;
alter table webhook_deliveries drop column payload;
