-- Verify aviary:keepers_drop_pager on pg

SELECT 1/(1 - COUNT(*)) FROM information_schema.columns WHERE table_schema = 'aviary' AND table_name = 'keepers' AND column_name = 'pager';
