-- Additive: a nullable column; old code keeps working.
ALTER TABLE customers ADD COLUMN phone text;
