-- The down of version 2, named for what it does: golang-migrate pairs it with 2_add_accounts_email_index.up.sql by version.
DROP INDEX IF EXISTS accounts_email_key;
