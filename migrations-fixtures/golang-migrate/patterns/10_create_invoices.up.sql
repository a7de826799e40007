CREATE TABLE IF NOT EXISTS invoices (
  id           bigserial PRIMARY KEY,
  account_id   bigint NOT NULL REFERENCES accounts (id),
  total_cents  bigint,
  status       text NOT NULL DEFAULT 'open'
);
CREATE INDEX IF NOT EXISTS invoices_account_id_idx ON invoices (account_id);
