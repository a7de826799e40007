/** Foreign keys from tables outside a set into it: a swap in place would leave them pointing at the old tables. */
import type { Db } from '../../db/connection.js';
import type { TableRef } from '../../fingerprint/fingerprint.js';

export interface InboundForeignKey {
  constraint: string;
  /** schema.table holding the key (each part quoted where SQL needs it, as quote_ident does). */
  from: string;
  /** schema.table it references (quoted the same way). */
  to: string;
}

export async function inboundForeignKeys(db: Db, tables: readonly TableRef[]): Promise<InboundForeignKey[]> {
  // Matched on (schema, table) pairs, never on a joined "schema.table": a quoted name may hold a dot.
  const { rows } = await db.query<InboundForeignKey>(
    `WITH wanted(nspname, relname) AS (SELECT * FROM unnest($1::text[], $2::text[]))
     SELECT c.conname AS constraint, format('%I.%I', fn.nspname, f.relname) AS from, format('%I.%I', tn.nspname, t.relname) AS to
       FROM pg_constraint c
       JOIN pg_class f ON f.oid = c.conrelid JOIN pg_namespace fn ON fn.oid = f.relnamespace
       JOIN pg_class t ON t.oid = c.confrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
      WHERE c.contype = 'f'
        AND (tn.nspname::text, t.relname::text) IN (SELECT nspname, relname FROM wanted)
        AND (fn.nspname::text, f.relname::text) NOT IN (SELECT nspname, relname FROM wanted)
      ORDER BY 2, 1`,
    [tables.map((t) => t.schema), tables.map((t) => t.table)],
  );
  return rows;
}
