/**
 * The classify benchmarks' corpus: generated migration files of mixed sizes
 * (60 % with 1–8 statements, 30 % with 5–25, 10 % with 30–60), a realistic
 * mix of safe DDL, risky DDL, data changes, dollar-quoted function bodies and
 * ignore comments. Deterministic: the same count gives the same files.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Statement templates: a realistic mix of safe DDL, risky DDL and data changes. */
export const TEMPLATES = [
  (i) => `CREATE TABLE t${i} (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  name text NOT NULL,\n  created_at timestamptz NOT NULL DEFAULT now()\n)`,
  (i) => `ALTER TABLE users ADD COLUMN c${i} text`,
  (i) => `ALTER TABLE users ADD COLUMN d${i} integer NOT NULL DEFAULT 0`,
  (i) => `CREATE INDEX CONCURRENTLY idx_${i} ON orders (customer_id, created_at)`,
  (i) => `CREATE INDEX idx_plain_${i} ON orders (status)`,
  (i) => `ALTER TABLE orders ADD CONSTRAINT fk_${i} FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID`,
  (i) => `ALTER TABLE orders VALIDATE CONSTRAINT fk_${i}`,
  (i) => `ALTER TABLE orders RENAME COLUMN note${i} TO remark${i}`,
  (i) => `ALTER TABLE customers DROP COLUMN legacy_${i}`,
  (i) => `ALTER TABLE products ALTER COLUMN price TYPE numeric(12,${i % 4})`,
  (i) => `UPDATE products SET sku_normalized = upper(sku) WHERE id BETWEEN ${i * 1000} AND ${i * 1000 + 999}`,
  () => `ALTER TABLE users ALTER COLUMN email SET NOT NULL`,
  (i) => `ALTER TYPE order_status ADD VALUE IF NOT EXISTS 's${i}'`,
  (i) => `CREATE OR REPLACE VIEW v${i} AS SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.total > ${i}`,
  (i) => `CREATE FUNCTION f${i}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND\n$$`,
  (i) => `-- dbrollback-ignore drop-table\nDROP TABLE IF EXISTS old_${i}`,
  (i) => `GRANT SELECT ON orders TO reporting_${i % 3}`,
  (i) => `DELETE FROM sessions WHERE expires_at < now() - interval '${i} days'`,
];

/** Deterministic pseudo-random sizes: most files small, some large (1..60 statements). */
function sizeOf(n) {
  const r = (Math.imul(n + 1, 2654435761) >>> 0) / 2 ** 32;
  return r < 0.6 ? 1 + Math.floor(r * 8) : r < 0.9 ? 5 + Math.floor(r * 20) : 30 + Math.floor(r * 30);
}

/** Write `count` files into a new temporary directory; returns where and how much. */
export async function writeCorpus(count) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-bench-classify-'));
  const migrations = path.join(dir, 'migrations');
  await mkdir(migrations);
  let statements = 0;
  let bytes = 0;
  for (let n = 0; n < count; n++) {
    const size = sizeOf(n);
    const body = Array.from({ length: size }, (_, k) => `${TEMPLATES[(n + k) % TEMPLATES.length](n * 100 + k)};`).join('\n\n');
    const text = `-- migration ${n}\n${body}\n`;
    statements += size;
    bytes += Buffer.byteLength(text);
    await writeFile(path.join(migrations, `${String(n).padStart(5, '0')}_bench.up.sql`), text);
  }
  return { dir, migrations, statements, bytes };
}
