-- The address form no longer asks for a city; the column goes.
ALTER TABLE owners DROP COLUMN city;
