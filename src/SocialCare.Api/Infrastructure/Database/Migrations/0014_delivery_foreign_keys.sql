-- The same MultiXact contention as 0009, on the webhook side: every delivery row of an event references one of a
-- handful of subscription rows, so concurrent fan-out inserts each took FOR KEY SHARE on the same parent rows and
-- queued on MultiXacts (an insert of five delivery rows took 2–4.5 ms under load, most of PostgreSQL's time in the
-- webhook benchmark). Subscriptions are only soft-deleted (deleted_at) and deliveries are never deleted, so these
-- keys guard nothing the application does not already guarantee.
alter table webhook_deliveries drop constraint webhook_deliveries_subscription_id_fkey;
alter table webhook_attempts drop constraint webhook_attempts_delivery_id_fkey;
