DROP INDEX CONCURRENTLY visits_pet_id_idx;
