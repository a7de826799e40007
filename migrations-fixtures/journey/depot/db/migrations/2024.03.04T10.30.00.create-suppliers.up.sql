CREATE TABLE suppliers (
  id serial PRIMARY KEY,
  name text NOT NULL,
  email text
);
ALTER TABLE items ADD COLUMN supplier_id integer REFERENCES suppliers (id);
