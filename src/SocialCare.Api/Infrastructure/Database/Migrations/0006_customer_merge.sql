-- A merged customer stays as a tombstone pointing at its survivor, so old ids can still be resolved.
alter table customers add column merged_into uuid references customers (id);
