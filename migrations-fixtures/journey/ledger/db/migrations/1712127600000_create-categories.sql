-- Up Migration
CREATE TABLE categories (
  id serial PRIMARY KEY,
  slug text NOT NULL UNIQUE,
  label text NOT NULL
);

INSERT INTO categories (slug, label) VALUES
  ('rent', 'Rent'),
  ('groceries', 'Groceries'),
  ('salary', 'Salary'),
  ('misc', 'Miscellaneous');

ALTER TABLE entries ADD COLUMN category_id integer REFERENCES categories (id);

-- Down Migration
ALTER TABLE entries DROP COLUMN category_id;
DROP TABLE categories;
