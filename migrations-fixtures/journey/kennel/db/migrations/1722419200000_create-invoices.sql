-- Up Migration
CREATE TABLE invoices (
  id bigserial PRIMARY KEY,
  booking_id integer NOT NULL UNIQUE REFERENCES bookings (id),
  amount_cents integer NOT NULL CHECK (amount_cents >= 0),
  issued_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE invoices;
