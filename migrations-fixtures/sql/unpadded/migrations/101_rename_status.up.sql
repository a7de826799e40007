ALTER TABLE subscriptions RENAME COLUMN status TO state;
