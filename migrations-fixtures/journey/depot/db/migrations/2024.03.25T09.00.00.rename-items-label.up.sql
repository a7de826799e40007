ALTER TABLE items RENAME COLUMN label TO title;
