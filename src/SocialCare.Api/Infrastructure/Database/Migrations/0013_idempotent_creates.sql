-- Idempotency-Key on POSTs that create things (channels, subscriptions, identities …): the replayed answer keeps its
-- Location. A row with status 0 is a request still running under that key.
alter table idempotency_keys add column location text;
