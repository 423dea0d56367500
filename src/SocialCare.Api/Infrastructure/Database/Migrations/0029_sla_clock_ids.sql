-- Each SLA clock is a row of its own, for good: a policy applied again to an episode (Gold, then Silver, then Gold)
-- starts new clocks beside the old ones instead of writing over a target already met or breached.
alter table sla_clocks add column id uuid;
update sla_clocks set id = gen_random_uuid();
alter table sla_clocks alter column id set not null;
alter table sla_clocks drop constraint sla_clocks_pkey, add primary key (id);
create index sla_clocks_conversation on sla_clocks (conversation_id, episode);
