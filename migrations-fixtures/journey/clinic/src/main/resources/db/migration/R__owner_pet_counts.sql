-- Rebuilt by Flyway whenever this file (or a placeholder in it) changes.
CREATE OR REPLACE VIEW ${flyway:defaultSchema}.owner_pet_counts AS
SELECT o.id AS owner_id,
       o.last_name,
       count(p.id) AS pets
  FROM owners o
  LEFT JOIN pets p ON p.owner_id = o.id
 GROUP BY o.id, o.last_name;
