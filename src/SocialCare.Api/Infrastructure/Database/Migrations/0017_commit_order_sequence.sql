-- Events are numbered when their transaction commits, no longer afterwards by the relay.
--
-- Each writing transaction, as the last statements before its COMMIT, appends its events and takes their numbers from
-- the single row below. The row stays locked until that transaction has committed (and become visible), and the next
-- writer waits for it there: numbers are handed out in commit order, a reader that sees number N sees every number
-- below N, and a transaction that rolls back gives its numbers back. So the relay reads `seq > checkpoint` and publishes
-- at once, with no wait for older transactions to finish and no second write of every event row.

-- Writers of an older version insert events without a number: they wait here, and fail once this has committed, rather
-- than write events that would never be published.
lock table events in access exclusive mode;

-- Events written before this migration and not yet numbered take their numbers now, in the order the relay gave them.
with pending as (
    select id, row_number() over (order by tx_id, position) as rn from events where seq is null),
base as (select coalesce(max(seq), 0) as top from events)
update events e set seq = base.top + pending.rn from pending, base where e.id = pending.id;

alter table events alter column seq set not null;
drop index events_unsequenced;
-- The insert order within a transaction was kept only for that numbering.
alter table events drop column position;

create table event_sequence (
    only_row  boolean primary key default true check (only_row),
    last_seq  bigint  not null
);

insert into event_sequence (last_seq) select coalesce(max(seq), 0) from events;
