-- Deploy shop:002_add-customer-phone to pg
-- Additive: a nullable column; old code keeps working.

BEGIN;
ALTER TABLE customers ADD COLUMN phone text;
COMMIT;
