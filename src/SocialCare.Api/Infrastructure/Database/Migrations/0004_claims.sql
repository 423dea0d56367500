-- Claims: one department app at a time answers the customer. A claim expires on its own.
alter table conversations
    add column claim_key_id      text,
    add column claim_app         text,
    add column claim_person      text,
    add column claim_expires_at  timestamptz;

create index conversations_claim_expiry on conversations (claim_expires_at) where claim_expires_at is not null;
