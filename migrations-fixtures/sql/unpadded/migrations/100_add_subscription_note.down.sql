ALTER TABLE subscriptions DROP COLUMN note;
-- a typo, as in the broken down files of real histories
ALTER TABEL subscriptions DROP COLUMN IF EXISTS note;
