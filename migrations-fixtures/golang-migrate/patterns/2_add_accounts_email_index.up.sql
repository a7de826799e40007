-- Idempotent, as golang-migrate projects often write them: a re-run after a forced version does no harm.
CREATE UNIQUE INDEX IF NOT EXISTS accounts_email_key ON accounts (email);
