-- Enum values cannot be dropped: recreate the type without 'refunded'
-- (this fails, changing nothing, if an order already uses it).
ALTER TYPE order_status RENAME TO order_status_old;
CREATE TYPE order_status AS ENUM ('pending', 'paid', 'cancelled');
ALTER TABLE orders
  ALTER COLUMN status DROP DEFAULT,
  ALTER COLUMN status TYPE order_status USING status::text::order_status,
  ALTER COLUMN status SET DEFAULT 'pending';
DROP TYPE order_status_old;
