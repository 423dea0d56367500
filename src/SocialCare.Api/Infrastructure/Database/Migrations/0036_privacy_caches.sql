-- The fan-out caches subscriptions (migration 0010) and sends each delivery as its subscription's pii mode says: a
-- change of mode must reach every instance at once, like a change of brands (0021).
create trigger subscription_pii_changed after update of pii on subscriptions
    for each statement execute function notify_cache_invalidation('subscriptions');

-- The fan-out caches each workspace's erased customers (Privacy/ErasedCustomers): an erasure empties it everywhere.
create trigger customers_erased after update of erased_at on customers
    for each statement execute function notify_cache_invalidation('erased-customers');
