-- Expand/contract rename of orders.note to delivery_note, expand step: the new
-- column is a copy of the old one; the application moves over, and a later
-- migration drops note.
ALTER TABLE orders ADD COLUMN delivery_note text;

UPDATE orders SET delivery_note = note WHERE note IS NOT NULL;
