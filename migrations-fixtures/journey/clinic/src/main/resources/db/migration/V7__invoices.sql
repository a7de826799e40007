CREATE TABLE invoices (
    id        BIGSERIAL PRIMARY KEY,
    visit_id  BIGINT NOT NULL REFERENCES visits (id),
    amount    NUMERIC(10, 2) NOT NULL CHECK (amount >= 0),
    currency  CHAR(3) NOT NULL DEFAULT '${default_currency}',
    issued_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Every visit already done gets its consultation fee.
INSERT INTO invoices (visit_id, amount, issued_at)
SELECT id, 45.00, visit_date::timestamptz
  FROM visits
 WHERE status = 'done';
