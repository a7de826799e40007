-- Loaded after 2024.03.08T14.00.00.add-item-status (the team's own `npm run
-- migrate -- up --step 3`): 4 warehouses, 60 items each with the old
-- system's SKU, 5 suppliers, and 400 stock moves; the 10 items with nothing
-- in stock last moved 200 days ago (the backfill discontinues them).
INSERT INTO warehouses (code, name) VALUES ('AMS', 'Amsterdam'), ('RTM', 'Rotterdam'), ('UTR', 'Utrecht'), ('EIN', 'Eindhoven');
INSERT INTO suppliers (name, email) SELECT 'Supplier ' || g, 'sales' || g || '@supplier.test' FROM generate_series(1, 5) g;
INSERT INTO items (warehouse_id, label, legacy_sku, qty, supplier_id, created_at)
SELECT 1 + g % 4, 'Item ' || g, 'SKU-' || lpad(g::text, 5, '0'), CASE WHEN g % 6 = 0 THEN 0 ELSE g * 3 END, 1 + g % 5, now() - interval '120 days'
  FROM generate_series(1, 60) g;
INSERT INTO stock_moves (item_id, delta, moved_at)
SELECT 1 + g % 60, CASE WHEN g % 3 = 0 THEN -(g % 7 + 1) ELSE g % 11 + 1 END,
       -- The empty shelves (every sixth item) last moved long ago.
       CASE WHEN (1 + g % 60) % 6 = 0 THEN now() - interval '200 days' ELSE now() - (g % 90) * interval '1 day' END
  FROM generate_series(1, 400) g;
