/**
 * How classify reads a Prisma migration: `<timestamp>_<name>/migration.sql`.
 * Prisma sends the file whole in one query, so PostgreSQL runs a file of
 * several statements as one implicit transaction (where CONCURRENTLY fails)
 * and a lone statement outside one. It has no down.
 */
import path from 'node:path';
import type { SqlFileReader } from '../tool.js';
import { migrationScripts, SCRIPT } from './files.js';

export const PRISMA_SQL_READER: SqlFileReader = {
  read(file, text) {
    if (path.basename(file) !== SCRIPT || !/^\d+_/.test(path.basename(path.dirname(file)))) return null;
    return {
      up: { text, path: file, firstLine: 1, inTransaction: 'several-statements' },
      down: () => ({ kind: 'missing', path: null }),
    };
  },
  migrationFiles: migrationScripts,
};
