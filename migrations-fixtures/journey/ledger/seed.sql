-- Loaded after 1712214000000_add-entry-status: accounts (each with the old
-- system's reference), and entries, most of them older than a day (the
-- backfill posts those).
INSERT INTO accounts (email, name, legacy_ref, created_at)
SELECT 'owner' || g || '@ledger.test', 'Owner ' || g, 'LG-' || lpad(g::text, 4, '0'), now() - interval '90 days'
  FROM generate_series(1, 40) g;

INSERT INTO entries (account_id, amount_cents, memo, category_id, created_at)
SELECT 1 + g % 40,
       CASE WHEN g % 5 = 0 THEN 250000 ELSE -(g * 37 % 9000) END,
       CASE WHEN g % 7 = 0 THEN NULL ELSE 'entry ' || g END,
       1 + g % 4,
       now() - (g % 60) * interval '1 day'
  FROM generate_series(1, 300) g;
