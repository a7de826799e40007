INSERT INTO accounts (email, plan) VALUES ('a@example.com', 'free'), ('b@example.com', 'pro');
INSERT INTO subscriptions (account_id, status, amount_cents) SELECT id, 'active', 0 FROM accounts;
