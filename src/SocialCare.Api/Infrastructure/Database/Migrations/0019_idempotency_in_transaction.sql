-- Idempotency-Key outside conversations: a key is now taken with a transaction-scoped advisory lock and its answer is
-- inserted with the request's own commit, so a row always holds a finished answer. Rows with status 0 were the old
-- scheme's claims of requests still running (or that died running); nothing reads them any more.
delete from idempotency_keys where status = 0;

-- Keys expire (Idempotency:KeyTtl); the sweeper finds the expired ones by age.
create index idempotency_keys_created_at on idempotency_keys (created_at);
