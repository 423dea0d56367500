-- Leasing looks for due deliveries per subscription (webhook_deliveries_due_by_subscription, from 0011); nothing reads
-- the older index over every subscription's due deliveries, and each delivery paid for it on insert, lease and outcome.
drop index if exists webhook_deliveries_due;
