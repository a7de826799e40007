-- migrate:up
-- A new column, backfilled from the comments that exist.
ALTER TABLE tickets ADD COLUMN first_response_at timestamptz;

UPDATE tickets t
   SET first_response_at = c.first_at
  FROM (SELECT ticket_id, min(created_at) AS first_at FROM comments GROUP BY ticket_id) c
 WHERE c.ticket_id = t.id;

-- migrate:down
ALTER TABLE tickets DROP COLUMN first_response_at;
