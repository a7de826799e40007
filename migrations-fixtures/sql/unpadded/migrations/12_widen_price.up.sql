ALTER TABLE subscriptions ALTER COLUMN price TYPE numeric(14,2);
