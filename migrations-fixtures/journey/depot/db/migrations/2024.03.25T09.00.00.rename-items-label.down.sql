ALTER TABLE items RENAME COLUMN title TO label;
