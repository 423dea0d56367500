-- Since when every delivery attempt to a subscription's endpoint has failed (null after any success): an endpoint
-- failing for longer than Webhooks:DisableAfter is disabled, as Stripe and Svix do. Kept apart from the subscriptions
-- row, which fan-out inserts lock in key-share mode (their foreign key): bookkeeping on every attempt does not belong
-- there, and no foreign key points here.
create table subscription_health (
    subscription_id  uuid primary key,
    failing_since    timestamptz
);

-- The worker leases each endpoint's oldest due deliveries (a few per endpoint, fairly): one index probe per endpoint,
-- however long another endpoint's backlog is.
create index webhook_deliveries_due_by_subscription on webhook_deliveries (subscription_id, next_attempt_at) where status = 'pending';
