-- Owners and their pets, as the first release shipped them.
CREATE TABLE owners (
    id          BIGSERIAL PRIMARY KEY,
    first_name  VARCHAR(30) NOT NULL,
    last_name   VARCHAR(30) NOT NULL,
    address     VARCHAR(255),
    city        VARCHAR(80),
    telephone   VARCHAR(20)
);
CREATE INDEX owners_last_name_idx ON owners (last_name);

CREATE TABLE pets (
    id          BIGSERIAL PRIMARY KEY,
    name        VARCHAR(30) NOT NULL,
    birth_date  DATE,
    owner_id    BIGINT NOT NULL REFERENCES owners (id)
);
