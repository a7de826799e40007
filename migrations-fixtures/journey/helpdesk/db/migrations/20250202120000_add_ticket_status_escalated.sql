-- migrate:up
-- PostgreSQL cannot drop an enum value: this down is left as dbmate new wrote it.
ALTER TYPE ticket_status ADD VALUE IF NOT EXISTS 'escalated' AFTER 'pending';

-- migrate:down

