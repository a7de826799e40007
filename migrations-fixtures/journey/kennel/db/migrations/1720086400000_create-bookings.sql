-- Up Migration
CREATE TYPE booking_status AS ENUM ('requested', 'confirmed', 'cancelled');

CREATE TABLE bookings (
  id serial PRIMARY KEY,
  pet_id integer NOT NULL REFERENCES pets (id) ON DELETE CASCADE,
  starts_on date NOT NULL,
  ends_on date NOT NULL,
  status booking_status NOT NULL DEFAULT 'requested',
  notes text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT bookings_dates_check CHECK (ends_on > starts_on)
);

-- Down Migration
DROP TABLE bookings;
DROP TYPE booking_status;
