-- Trials became plain active subscriptions.
UPDATE subscriptions SET status = 'active' WHERE status = 'trialing';
