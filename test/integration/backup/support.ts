/** Helpers shared by the backup/restore integration tests. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { connect } from '../../../src/db/connection.js';
import type { ConnInfo } from '../../../src/db/conninfo.js';
import { fingerprint, type TableFingerprint } from '../../../src/fingerprint/fingerprint.js';

export { cli, type Run } from '../../harness/run-cli.js';

export async function fingerprintsOf(conn: ConnInfo): Promise<TableFingerprint[]> {
  const db = await connect(conn);
  try {
    return await fingerprint(db);
  } finally {
    await db.end();
  }
}

/** Every file under a directory (recursive), relative paths. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  await walk(dir);
  return out.sort();
}

/** A schema with the types whose text form is easy to get wrong, plus a view, sequence, FK and index. */
export const SEED_SQL = `
  CREATE SCHEMA app;
  CREATE TABLE app.customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE, joined timestamptz NOT NULL DEFAULT '2026-01-01T00:00:00Z', score double precision, meta jsonb);
  CREATE TABLE app.orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES app.customers, total numeric(12,2) NOT NULL, note text, blob bytea, placed date);
  CREATE INDEX orders_customer ON app.orders (customer_id);
  CREATE VIEW app.big_orders AS SELECT * FROM app.orders WHERE total > 100;
  CREATE TABLE public.settings (key text PRIMARY KEY, value text);
  INSERT INTO app.customers (name, email, score, meta, joined)
    SELECT 'customer ' || i, 'c' || i || '@example.com', i / 7.0, jsonb_build_object('i', i, 'tags', jsonb_build_array('a', i)), '2026-01-01T00:00:00Z'::timestamptz + i * interval '1 hour'
      FROM generate_series(1, 500) i;
  INSERT INTO app.orders (customer_id, total, note, blob, placed)
    SELECT 1 + i % 500, (i * 3.17)::numeric(12,2), CASE WHEN i % 5 = 0 THEN NULL ELSE 'note ' || i END, decode(md5(i::text), 'hex'), DATE '2026-01-01' + i % 300
      FROM generate_series(1, 3000) i;
  INSERT INTO public.settings VALUES ('mode', 'live'), ('quote''s', 'it''s');
`;
