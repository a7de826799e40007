CREATE TABLE ledger_entries (
    id bigserial PRIMARY KEY,
    account text NOT NULL,
    amount_cents bigint NOT NULL,
    booked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account);
