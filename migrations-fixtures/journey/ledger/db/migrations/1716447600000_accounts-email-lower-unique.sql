-- Up Migration
CREATE UNIQUE INDEX accounts_email_lower_key ON accounts (lower(email));

-- Down Migration
DROP INDEX accounts_email_lower_key;
