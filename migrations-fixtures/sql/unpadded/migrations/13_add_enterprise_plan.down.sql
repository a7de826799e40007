-- PostgreSQL cannot drop an enum value: move accounts off it instead.
UPDATE accounts SET plan = 'pro' WHERE plan = 'enterprise';
