ALTER TABLE subscriptions ALTER COLUMN amount_cents TYPE bigint USING amount_cents::bigint;
