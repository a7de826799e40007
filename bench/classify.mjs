#!/usr/bin/env node
/**
 * Benchmark: classify 1,000 generated migration files of mixed sizes through
 * the public API (the built package, dist/), as `dbrollback classify DIR`
 * does: read, parse with libpg-query, run every rule, fold the verdicts.
 * Parser initialisation (WASM load) is paid once and reported separately.
 *
 *   npm run build && node bench/classify.mjs [--files 1000] [--keep]
 *
 * Prints files/second and the total; exits 1 when the total exceeds the
 * 2-second target (so CI can run it as a smoke check).
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const args = process.argv.slice(2);
const count = Number(args[args.indexOf('--files') + 1] ?? 1000) || 1000;
const keep = args.includes('--keep');
const TARGET_MS = 2000;

/** Statement templates: a realistic mix of safe DDL, risky DDL and data changes. */
const TEMPLATES = [
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

// Loading the package starts the WASM parser; initParser() waits for it. Both count as initialisation.
const t0 = performance.now();
const { classifyFiles, initParser } = await import('../dist/index.js');
await initParser();
const initMs = performance.now() - t0;

const t1 = performance.now();
const report = await classifyFiles([migrations]);
const classifyMs = performance.now() - t1;

const totalMs = initMs + classifyMs;
const findings = report.files.reduce((n, f) => n + f.statements.reduce((m, s) => m + s.findings.length, 0), 0);
const result = {
  files: report.files.length,
  statements,
  bytes,
  findings,
  parserInitMs: Math.round(initMs),
  classifyMs: Math.round(classifyMs),
  totalMs: Math.round(totalMs),
  filesPerSecond: Math.round(report.files.length / (classifyMs / 1000)),
  statementsPerSecond: Math.round(statements / (classifyMs / 1000)),
  targetMs: TARGET_MS,
  withinTarget: totalMs < TARGET_MS,
};
console.log(`classify bench: ${result.files} files (${result.statements} statements, ${(bytes / 1024).toFixed(0)} KiB), ${findings} findings`);
console.log(`  package load + parser init ${result.parserInitMs} ms (once), classify ${result.classifyMs} ms → ${result.filesPerSecond} files/s, ${result.statementsPerSecond} statements/s`);
console.log(`  total ${result.totalMs} ms (target < ${TARGET_MS} ms): ${result.withinTarget ? 'ok' : 'TOO SLOW'}`);
if (args.includes('--json')) console.log(JSON.stringify(result));
if (!keep) await rm(dir, { recursive: true, force: true });
else console.log(`  files kept in ${migrations}`);
process.exitCode = result.withinTarget ? 0 : 1;
