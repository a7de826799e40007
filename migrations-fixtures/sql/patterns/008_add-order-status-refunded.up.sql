-- A new enum value: additive, but PostgreSQL cannot drop an enum value again.
ALTER TYPE order_status ADD VALUE 'refunded';
