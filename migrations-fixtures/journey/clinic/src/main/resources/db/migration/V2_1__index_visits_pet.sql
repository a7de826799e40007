-- Built without blocking writes to visits: see the .conf beside this file.
CREATE INDEX CONCURRENTLY visits_pet_id_idx ON visits (pet_id);
