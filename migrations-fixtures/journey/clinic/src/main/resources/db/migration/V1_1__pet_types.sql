CREATE TABLE types (
    id    SERIAL PRIMARY KEY,
    name  VARCHAR(30) NOT NULL UNIQUE
);
INSERT INTO types (name) VALUES ('cat'), ('dog'), ('bird'), ('lizard'), ('hamster');

ALTER TABLE pets ADD COLUMN type_id INTEGER REFERENCES types (id);
