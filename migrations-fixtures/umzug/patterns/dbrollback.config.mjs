/**
 * dbrollback config for the umzug "patterns" project: the shop's Umzug set-up
 * (one transaction per migration, `transaction = false` to opt out), pointed
 * at this project's migrations.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { umzug as shopUmzug } from '../shop/dbrollback.config.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

export function umzug(options = {}) {
  return shopUmzug({ migrationsDir: path.join(here, 'migrations'), ...options });
}

export const migrationsTable = 'umzug_migrations';
