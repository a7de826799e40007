ALTER TYPE trip_state ADD VALUE IF NOT EXISTS 'cancelled';
