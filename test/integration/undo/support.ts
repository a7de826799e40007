/** Fixture projects for plan/undo tests: a database at a chosen head, seeded, with file storage. */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Cluster } from '../../harness/cluster.js';
import { resolveConfig, openAdapter, type ResolvedConfig, type MigratorKind, type RawOptions } from '../../../src/index.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../../../migrations-fixtures');

export const TOOLS: MigratorKind[] = ['sql', 'node-pg-migrate', 'umzug'];

export function fixtureFlags(tool: MigratorKind, migrationsDir?: string): RawOptions {
  if (tool === 'umzug') return { config: path.join(FIXTURES, 'umzug', 'shop', 'dbrollback.config.mjs'), ...(migrationsDir ? { migrations: migrationsDir } : {}) };
  return { migrations: migrationsDir ?? path.join(FIXTURES, tool, 'shop') };
}

export interface Project {
  config: ResolvedConfig;
  database: string;
  storageDir: string;
  flags: RawOptions;
}

/**
 * A fresh database with migrations 001-002 applied, seed.sql loaded, then
 * `more` further migrations applied — the shop as it is in production.
 */
export async function shopAt(cluster: Cluster, tool: MigratorKind, more: number, extra: RawOptions = {}): Promise<Project> {
  const db = await cluster.createDatabase();
  const storageDir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-storage-'));
  const flags: RawOptions = { ...fixtureFlags(tool), databaseUrl: cluster.url(db.database), storage: storageDir, yes: true, ...extra };
  const config = await resolveConfig(flags, { env: {} });
  const adapter = await openAdapter(config);
  await adapter.up(2);
  await cluster.sql(db.database, await readFile(path.join(FIXTURES, 'seed.sql'), 'utf8'));
  if (more > 0) await adapter.up(more);
  await adapter.close();
  return { config, database: db.database, storageDir, flags };
}

/** Everything about a database's schema and migration history, to prove "nothing changed". */
export async function catalogFingerprint(cluster: Cluster, database: string): Promise<string> {
  const rows = await cluster.sql<{ t: string }>(
    database,
    `SELECT string_agg(format('%s.%s %s %s %s', n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull), E'\\n' ORDER BY 1) AS t
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE a.attnum > 0 AND NOT a.attisdropped AND n.nspname = 'public'`,
  );
  const history = await cluster.sql<{ t: string }>(
    database,
    `SELECT coalesce((SELECT string_agg(name, ',' ORDER BY name) FROM public.dbrollback_migrations), '')
         || '|' || coalesce((SELECT string_agg(name, ',' ORDER BY name) FROM public.pgmigrations), '')
         || '|' || coalesce((SELECT string_agg(name, ',' ORDER BY name) FROM public.umzug_migrations), '') AS t`,
  ).catch(async () => historyLoose(cluster, database));
  return `${rows[0]!.t}\n${history[0]!.t}`;
}

async function historyLoose(cluster: Cluster, database: string): Promise<Array<{ t: string }>> {
  const parts: string[] = [];
  for (const table of ['dbrollback_migrations', 'pgmigrations', 'umzug_migrations']) {
    const exists = await cluster.sql<{ ok: boolean }>(database, 'SELECT to_regclass($1) IS NOT NULL AS ok', [`public.${table}`]);
    if (!exists[0]!.ok) {
      parts.push('');
      continue;
    }
    const r = await cluster.sql<{ t: string | null }>(database, `SELECT string_agg(name, ',' ORDER BY name) AS t FROM public.${table}`);
    parts.push(r[0]!.t ?? '');
  }
  return [{ t: parts.join('|') }];
}
