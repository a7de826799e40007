-- The currency every existing entry was booked in comes from the deployment's placeholder.
ALTER TABLE ledger_entries ADD COLUMN currency char(3) NOT NULL DEFAULT '${ledger_currency}';
