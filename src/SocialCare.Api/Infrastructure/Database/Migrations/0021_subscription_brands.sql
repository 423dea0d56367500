-- A subscription's brands: the only brands whose events it may receive, and what decides which API keys see and manage
-- it (a key limited to brands sees only subscriptions within them). Null means every brand, which only a key without a
-- brand list can create. Subscriptions created before this migration keep null: they were every brand's already.
alter table subscriptions add column brands text[];

-- The fan-out caches subscriptions (migration 0010): a change of brands must reach every instance at once. A trigger of
-- its own, so that whatever else redefines subscriptions_changed keeps this.
create trigger subscription_brands_changed after update of brands on subscriptions
    for each statement execute function notify_cache_invalidation('subscriptions');
