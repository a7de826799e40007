/**
 * How classify reads a drizzle-kit migration: a `.sql` file with
 * `meta/_journal.json` beside it. drizzle-orm runs it in a transaction
 * (with every other pending migration), and it has no down.
 */
import path from 'node:path';
import type { SqlFileReader } from '../tool.js';
import { JOURNAL } from './journal.js';

export const DRIZZLE_SQL_READER: SqlFileReader = {
  read(file, text, files) {
    if (!/^\d+_.+\.sql$/.test(path.basename(file)) || !files.exists(path.join(path.dirname(file), JOURNAL))) return null;
    return {
      up: { text, path: file, firstLine: 1, inTransaction: true },
      down: () => ({ kind: 'missing', path: null }),
    };
  },
};
