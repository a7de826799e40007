-- migrate:up
-- A table whose name holds a double quote and a dot, and one named in German.
CREATE TABLE "Tag""s.v2" (
  "id" serial PRIMARY KEY,
  "label" text NOT NULL UNIQUE
);

CREATE TABLE "Kundennotiz_Größe" (
  "id" serial PRIMARY KEY,
  "kundeId" integer NOT NULL REFERENCES "Customer" ("id"),
  "notiz" text NOT NULL
);

-- migrate:down
DROP TABLE "Kundennotiz_Größe";
DROP TABLE "Tag""s.v2";
