-- Brings the column back, empty: the dropped values cannot be restored by a down.
ALTER TABLE customers ADD COLUMN legacy_code text;
