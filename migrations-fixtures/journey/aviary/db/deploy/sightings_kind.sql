-- Deploy aviary:sightings_kind to pg
-- requires: sightings

BEGIN;

CREATE TYPE aviary.sighting_kind AS ENUM ('text', 'link', 'image');

ALTER TABLE aviary.sightings ADD COLUMN kind aviary.sighting_kind NOT NULL DEFAULT 'text';

COMMIT;
