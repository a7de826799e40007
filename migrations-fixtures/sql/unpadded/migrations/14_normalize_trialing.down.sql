UPDATE subscriptions SET status = 'trialing' WHERE status = 'active' AND amount_cents = 0;
