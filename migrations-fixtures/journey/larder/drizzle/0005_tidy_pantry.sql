-- Custom SQL migration file, put your code below! --
DELETE FROM "pantry_items" WHERE "best_before" < now() - interval '1 year';
