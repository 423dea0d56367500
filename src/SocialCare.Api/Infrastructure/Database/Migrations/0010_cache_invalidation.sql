-- Hub instances cache API keys, channel accounts and subscriptions. Any change to those tables, by the API, by the
-- webhook worker or by an operator's SQL, announces itself to every instance in the changing transaction (so only a
-- committed change is announced); see Infrastructure/Caching.
create function notify_cache_invalidation() returns trigger language plpgsql as $$
begin
    perform pg_notify('socialcare_invalidate', tg_argv[0]);
    return null;
end
$$;

create trigger api_keys_changed after insert or update or delete on api_keys
    for each statement execute function notify_cache_invalidation('api-keys');
create trigger channels_changed after insert or update or delete on channels
    for each statement execute function notify_cache_invalidation('channels');
-- Only what the fan-out reads: the delivery worker's bookkeeping (failing_since) does not empty the cache.
create trigger subscriptions_changed after insert or delete or update of workspace_id, event_types, filters, enabled, deleted_at on subscriptions
    for each statement execute function notify_cache_invalidation('subscriptions');
