ALTER TABLE subscriptions ALTER COLUMN price TYPE numeric(10,2);
