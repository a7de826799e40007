-- Visits carry a status the app treats as an enum: a CHECK, not a type,
-- so a new status is a constraint swap rather than ALTER TYPE.
CREATE TABLE visits (
    id            BIGSERIAL PRIMARY KEY,
    pet_id        BIGINT NOT NULL REFERENCES pets (id),
    visit_date    DATE NOT NULL,
    description   VARCHAR(255),
    status        VARCHAR(16) NOT NULL DEFAULT 'scheduled',
    remind_before INTERVAL NOT NULL DEFAULT interval '${reminder_days} days',
    CONSTRAINT visits_status_check CHECK (status IN ('scheduled', 'done', 'cancelled'))
);
