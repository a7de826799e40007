-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY IF NOT EXISTS tickets_status_opened_idx ON tickets (status, opened_at);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS tickets_status_opened_idx;
