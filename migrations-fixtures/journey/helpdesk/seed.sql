-- Rows for the helpdesk history. Load after 20250110140000_create_comments
-- (it writes agents.pager and agents.timezone, which later migrations drop,
-- and account domains in mixed case, which 20250305000000 lowercases).
INSERT INTO accounts (name, domain, created_at) VALUES
  ('Acme Corp',        'Acme.example',       '2024-11-02 09:00:00+00'),
  ('Globex',           'globex.example',     '2024-11-20 14:30:00+00'),
  ('Initech',          ' INITECH.example ',  '2024-12-01 08:15:00+00'),
  ('Umbrella Health',  'Umbrella-Health.example', '2024-12-09 17:45:00+00'),
  ('Stark Logistics',  'stark.example',      '2024-12-18 11:05:00+00');

INSERT INTO agents (account_id, email, timezone, pager)
SELECT 1 + (g % 5), 'agent' || g || '@support.example',
       (ARRAY['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo'])[1 + g % 4],
       CASE WHEN g % 3 = 0 THEN NULL ELSE '+1-555-01' || lpad(g::text, 2, '0') END
  FROM generate_series(1, 12) g;

INSERT INTO tickets (account_id, assignee_id, subject, status, opened_at)
SELECT 1 + (g % 5),
       CASE WHEN g % 7 = 0 THEN NULL ELSE 1 + (g % 12) END,
       'Ticket #' || g || ': ' || (ARRAY['login fails', 'invoice wrong', 'export slow', 'API 500', 'password reset'])[1 + g % 5],
       (ARRAY['open', 'pending', 'closed']::ticket_status[])[1 + g % 3],
       timestamptz '2025-01-05 00:00:00+00' + g * interval '37 minutes'
  FROM generate_series(1, 200) g;

INSERT INTO comments (ticket_id, author_id, body, created_at)
SELECT 1 + (g % 150),
       CASE WHEN g % 4 = 0 THEN NULL ELSE 1 + (g % 12) END,
       'Reply ' || g || ' — looking into it',
       timestamptz '2025-01-05 06:00:00+00' + g * interval '23 minutes'
  FROM generate_series(1, 500) g;
