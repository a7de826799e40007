/** Foreign keys from tables outside a set into it: a swap in place would leave them pointing at the old tables. */
import type { Db } from '../../db/connection.js';
import type { TableRef } from '../../fingerprint/fingerprint.js';

export interface InboundForeignKey {
  constraint: string;
  /** schema.table holding the key. */
  from: string;
  /** schema.table it references. */
  to: string;
}

export async function inboundForeignKeys(db: Db, tables: readonly TableRef[]): Promise<InboundForeignKey[]> {
  const names = tables.map((t) => `${t.schema}.${t.table}`);
  const { rows } = await db.query<InboundForeignKey>(
    `SELECT c.conname AS constraint, format('%s.%s', fn.nspname, f.relname) AS from, format('%s.%s', tn.nspname, t.relname) AS to
       FROM pg_constraint c
       JOIN pg_class f ON f.oid = c.conrelid JOIN pg_namespace fn ON fn.oid = f.relnamespace
       JOIN pg_class t ON t.oid = c.confrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
      WHERE c.contype = 'f'
        AND format('%s.%s', tn.nspname, t.relname) = ANY($1::text[])
        AND NOT format('%s.%s', fn.nspname, f.relname) = ANY($1::text[])
      ORDER BY 2, 1`,
    [names],
  );
  return rows;
}
