-- Secrets at rest: a channel's secrets are one JSON object encrypted by the hub (enc:v1:<keyId>:…), which is text, not
-- JSON. Existing objects become their JSON text; the hub encrypts them at start-up (Infrastructure/Secrets).
alter table channels alter column secrets drop default;
alter table channels alter column secrets type text using secrets::text;

-- A rotated signing secret must reach every instance's cache of subscriptions at once (migration 0010's trigger fires
-- only for what selects events). A trigger of its own, so that a later change to that one cannot drop the secrets.
create trigger subscription_secrets_changed after update of url, secret, previous_secret, previous_secret_expires_at on subscriptions
    for each statement execute function notify_cache_invalidation('subscriptions');
