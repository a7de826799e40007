ALTER TABLE subscriptions ADD COLUMN note text;
