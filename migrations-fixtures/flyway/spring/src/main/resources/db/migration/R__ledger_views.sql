-- Re-applied by Flyway whenever this file or a placeholder it uses changes.
CREATE OR REPLACE VIEW ledger_balances AS
SELECT account, currency, sum(amount_cents) AS balance_cents
  FROM ledger_entries
 GROUP BY account, currency;
COMMENT ON VIEW ledger_balances IS 'balances per account for ${reporting_label}, default currency ${ledger_currency} (schema ${flyway:defaultSchema})';
