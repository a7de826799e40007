-- migrate:up
-- A table whose name holds a double quote and a dot, and two named in German:
-- one quoted, one not (PostgreSQL folds only ASCII letters: Änderungsprotokoll
-- keeps its Ä).
CREATE TABLE "Tag""s.v2" (
  "id" serial PRIMARY KEY,
  "label" text NOT NULL UNIQUE
);

CREATE TABLE "Kundennotiz_Größe" (
  "id" serial PRIMARY KEY,
  "kundeId" integer NOT NULL REFERENCES "Customer" ("id"),
  "notiz" text NOT NULL
);

CREATE TABLE Änderungsprotokoll (
  id serial PRIMARY KEY,
  "customerId" integer NOT NULL REFERENCES "Customer" ("id"),
  eintrag text NOT NULL
);

-- migrate:down
DROP TABLE Änderungsprotokoll;
DROP TABLE "Kundennotiz_Größe";
DROP TABLE "Tag""s.v2";
