/**
 * Shop projects with a bad migration on top, per tool: the fixtures' 001-003
 * and `004_clear-order-status`, which wipes orders.status — the data a down
 * migration cannot bring back.
 */
import { copyFile, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { MigratorKind } from '../../../src/index.js';
import { FIXTURES } from '../undo/support.js';
import { query } from '../pitr/support.js';

export const BAD = '004_clear-order-status';
const KEEP = /^00[123]_/;

const BAD_SQL = 'ALTER TABLE orders ALTER COLUMN status DROP NOT NULL;\nUPDATE orders SET status = NULL;\n';

/** A migrations directory of `tool` with 001-003, the bad 004, and any `extra` files (name → text). */
export async function projectWithBadMigration(tool: MigratorKind, extra: Record<string, string> = {}): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `dbrollback-bad-${tool}-`));
  const source = tool === 'umzug' ? path.join(FIXTURES, 'umzug', 'shop', 'migrations') : path.join(FIXTURES, tool, 'shop');
  await mkdir(dir, { recursive: true });
  for (const file of await readdir(source)) if (KEEP.test(file)) await copyFile(path.join(source, file), path.join(dir, file));
  const { writeFile } = await import('node:fs/promises');
  const files: Record<string, string> =
    tool === 'sql'
      ? { [`${BAD}.up.sql`]: BAD_SQL, [`${BAD}.down.sql`]: '-- dbrollback:irreversible\nSELECT 1;\n' }
      : tool === 'node-pg-migrate'
        ? { [`${BAD}.js`]: `export const up = (pgm) => { pgm.sql(${JSON.stringify(BAD_SQL)}); };\nexport const down = false;\n` }
        : { [`${BAD}.mjs`]: `export async function up({ context: { client } }) { await client.query(${JSON.stringify(BAD_SQL)}); }\n` };
  for (const [name, text] of Object.entries({ ...files, ...extra })) await writeFile(path.join(dir, name), text);
  return tool === 'umzug' ? ['--config', path.join(FIXTURES, 'umzug', 'shop', 'dbrollback.config.mjs'), '--migrations', dir] : ['--migrations', dir];
}

/** Every user table's rows, as text, to compare two databases exactly. */
export async function contents(url: string): Promise<Record<string, string[]>> {
  const tables = await query<{ name: string }>(url, "SELECT format('%I.%I', schemaname, relname) AS name FROM pg_stat_user_tables WHERE schemaname = 'public' ORDER BY 1");
  const out: Record<string, string[]> = {};
  for (const { name } of tables) {
    const rows = await query<{ r: string }>(url, `SELECT t::text AS r FROM ${name} t ORDER BY 1`);
    out[name] = rows.map((row) => row.r);
  }
  return out;
}
