CREATE TABLE depots (
    id   serial PRIMARY KEY,
    name text NOT NULL UNIQUE
);

INSERT INTO depots (name) VALUES ('North'), ('South'), ('Harbour');

ALTER TABLE vehicles ADD COLUMN depot_id integer REFERENCES depots (id);

UPDATE vehicles SET depot_id = 1 + (id % 3);
