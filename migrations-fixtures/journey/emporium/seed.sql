-- Loaded after 20250407090000_create_payment_partitioned: a few rows in every
-- table (the journey writes "dueNote" itself, once its migration has run).
INSERT INTO "Customer" ("fullName", "primaryEmail", "user")
SELECT 'Customer ' || g, 'c' || g || '@example.test', 'u' || g FROM generate_series(1, 12) g;

INSERT INTO billing."Invoice" ("customerId", "status", "order", "totalCents")
SELECT 1 + g % 12, (ARRAY['draft', 'open', 'paid', 'void'])[1 + g % 4]::billing."InvoiceStatus", g, g * 1000
FROM generate_series(1, 30) g;

INSERT INTO "Sales.EU"."Order Line" ("invoiceId", "sku", "order", "unit.price")
SELECT 1 + g % 30, 'SKU-' || g, g, g * 1.25 FROM generate_series(1, 40) g;

INSERT INTO "Tag""s.v2" ("label") SELECT 'tag-' || g FROM generate_series(1, 7) g;

INSERT INTO "Kundennotiz_Größe" ("kundeId", "notiz") SELECT 1 + g % 12, 'Notiz ' || g FROM generate_series(1, 9) g;

INSERT INTO Änderungsprotokoll ("customerId", eintrag) SELECT 1 + g % 12, 'Eintrag ' || g FROM generate_series(1, 5) g;

INSERT INTO billing."LedgerEntry" ("invoiceId", "amountCents") SELECT 1 + g % 30, g * 10 FROM generate_series(1, 25) g;

INSERT INTO billing."Payment" ("invoiceId", "paidAt", "amountCents")
SELECT 1 + g % 30, DATE '2024-11-01' + g * 7, g * 100 FROM generate_series(1, 16) g;
