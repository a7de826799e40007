ALTER TABLE subscriptions ALTER COLUMN amount_cents TYPE integer;
