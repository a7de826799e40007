/**
 * How `classify` reads a formatted SQL changelog without running it: its
 * changesets' SQL as the up (the `--changeset` and `--rollback` lines are
 * comments to the parser), and their `--rollback` SQL, newest changeset
 * first, as the down — missing when one of them has none.
 */
import path from 'node:path';
import type { SqlFileReader } from '../tool.js';
import { isFormattedSql, parseFormattedSql } from './formatted-sql.js';

export const LIQUIBASE_SQL_READER: SqlFileReader = {
  read(file, text) {
    if (!isFormattedSql(text)) return null;
    return {
      up: { text, path: file, firstLine: 1, inTransaction: !/runInTransaction:false/i.test(text) },
      down: () => {
        const { changeSets } = parseFormattedSql(text, path.basename(file), file);
        if (changeSets.some((c) => c.rollback.kind === 'none')) return { kind: 'missing', path: null };
        const sql = changeSets
          .map((c) => (c.rollback.kind === 'sql' ? c.rollback.sql : ''))
          .filter((s) => s !== '')
          .reverse()
          .join('\n');
        return { kind: 'yes', text: sql, path: file, firstLine: 1 };
      },
    };
  },
};
