-- migrate:up
-- Additive: a nullable column; old code keeps working.
ALTER TABLE customers ADD COLUMN phone text;

-- migrate:down
ALTER TABLE customers DROP COLUMN phone;
