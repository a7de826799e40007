ALTER TABLE subscriptions RENAME COLUMN state TO status;
