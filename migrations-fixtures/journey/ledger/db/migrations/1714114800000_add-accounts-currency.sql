-- Up Migration
ALTER TABLE accounts ADD COLUMN currency char(3) NOT NULL DEFAULT 'EUR';
CREATE INDEX accounts_currency_index ON accounts (currency);

-- Down Migration
DROP INDEX IF EXISTS accounts_currency_index;
DROP INDEX IF EXISTS entries_account_id_index;
ALTER TABLE accounts DROP COLUMN currency;
