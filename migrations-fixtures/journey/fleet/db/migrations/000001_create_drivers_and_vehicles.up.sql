CREATE TABLE IF NOT EXISTS drivers (
    id             bigserial PRIMARY KEY,
    full_name      text NOT NULL,
    email          text NOT NULL UNIQUE,
    email_verified boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS vehicles (
    id          bigserial PRIMARY KEY,
    plate       text NOT NULL,
    legacy_code varchar(16),
    created_at  timestamptz NOT NULL DEFAULT now()
);
