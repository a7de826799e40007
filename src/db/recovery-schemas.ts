/**
 * dbrollback's own side-by-side schemas: `restore --tables` copies tables
 * into dbrollback_recovered_<time>, `--replace` keeps the live ones in
 * dbrollback_replaced_<time>. They are its output, never the application's
 * schema or data: schema comparisons leave them out, and verify's table
 * comparisons report them without failing on them.
 */
export const RECOVERY_SCHEMA = /^dbrollback_(recovered|replaced)_/;

/** The same, as a condition on `column` (a schema name) in SQL. */
export const notRecoverySchema = (column: string): string => `${column} !~ '^dbrollback_(recovered|replaced)_'`;
