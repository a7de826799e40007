/**
 * A Prisma migrations folder (`prisma/migrations`, or `migrations.path` of
 * prisma.config.ts) as `prisma migrate deploy` reads it (Prisma 6.19): one
 * sub-folder per migration, `<timestamp>_<name>/migration.sql`, applied in
 * the order of the folder names; `migration_lock.toml` names the provider
 * the history was made for, and a provider other than PostgreSQL's is
 * refused, as Prisma refuses it. The migration's name is its folder's name;
 * its checksum is the sha256 (hex) of migration.sql.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DbrollbackError } from '../../errors.js';

export const LOCK_FILE = 'migration_lock.toml';
export const SCRIPT = 'migration.sql';
const PROVIDERS = ['postgresql', 'postgres', 'cockroachdb'];

export interface PrismaMigration {
  /** The folder's name (`20240101120000_add_customer_phone`): what _prisma_migrations records. */
  name: string;
  path: string;
}

/** The migration folders, in Prisma's order (the folder names compared as Prisma's CLI compares them). */
export async function listMigrations(dir: string): Promise<PrismaMigration[]> {
  let dirents;
  try {
    dirents = await readdir(dir, { withFileTypes: true });
  } catch (cause) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `cannot read the Prisma migrations directory ${dir}: ${(cause as Error).message}`, {
      hint: 'Pass --migrations DIR pointing at prisma/migrations (the folder holding migration_lock.toml).',
      cause,
    });
  }
  await checkProvider(dir);
  const folders = dirents.filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name);
  const missing = folders.filter((name) => !existsSync(path.join(dir, name, SCRIPT)));
  if (missing.length > 0) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `Prisma migration folder${missing.length === 1 ? '' : 's'} without a ${SCRIPT} in ${dir}: ${missing.join(', ')}`, {
      hint: `Every folder of prisma/migrations is a migration: put its ${SCRIPT} back, or remove the folder. Nothing was run.`,
    });
  }
  return folders.sort((a, b) => a.localeCompare(b)).map((name) => ({ name, path: path.join(dir, name, SCRIPT) }));
}

export async function readScript(m: PrismaMigration): Promise<{ text: string; checksum: string }> {
  const text = await readFile(m.path, 'utf8');
  return { text, checksum: createHash('sha256').update(text).digest('hex') };
}

/** The migration.sql files of a Prisma migrations folder, in order (for classify given the folder); null when it is not one. */
export function migrationScripts(dir: string): string[] | null {
  if (!existsSync(path.join(dir, LOCK_FILE))) return null;
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && existsSync(path.join(dir, d.name, SCRIPT)))
    .map((d) => d.name)
    .sort((a, b) => a.localeCompare(b))
    .map((name) => path.join(dir, name, SCRIPT));
}

async function checkProvider(dir: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(path.join(dir, LOCK_FILE), 'utf8');
  } catch {
    // Prisma itself goes on without a lock file (an old history).
    return;
  }
  const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(text)?.[1];
  if (provider !== undefined && !PROVIDERS.includes(provider)) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `${path.join(dir, LOCK_FILE)} says these migrations were made for ${provider}, not PostgreSQL`, {
      hint: 'Point --migrations at the migrations of a PostgreSQL datasource. Nothing was run.',
    });
  }
}
