/**
 * node-pg-migrate's SQL migration format: one .sql file holding
 * `-- Up Migration` and, optionally, `-- Down Migration` (its sqlMigration.ts
 * markers), each part run in the tool's transaction.
 */
import { hasSql } from '../../sql/sql-text.js';
import type { SqlFileReader } from '../tool.js';

/** node-pg-migrate's own marker regex (sqlMigration.ts). */
export const UP_MARKER = /^\s*--[\s-]*up\s+migration/im;
const DOWN_MARKER = /^\s*--[\s-]*down\s+migration/im;
/** A cheap pre-check for UP_MARKER, whose line anchors make it slow on files without the marker. */
const MIGRATION_MARK = /up\s+migration/i;

export const NODE_PG_MIGRATE_SQL_READER: SqlFileReader = {
  read(file, text) {
    if (!MIGRATION_MARK.test(text) || !UP_MARKER.test(text)) return null;
    const upAt = text.search(UP_MARKER);
    const downAt = text.search(DOWN_MARKER);
    const upText = downAt > upAt ? text.slice(upAt, downAt) : text.slice(upAt);
    const downText = downAt > upAt ? text.slice(downAt) : '';
    return {
      up: { text: upText, path: file, firstLine: lineOf(text, upAt), inTransaction: true },
      down: () => {
        if (hasSql(downText)) return { kind: 'yes', text: downText, path: file, firstLine: lineOf(text, downAt), inTransaction: true };
        // A "-- Down Migration" section with nothing in it is a down that does nothing; no section is no down.
        return downAt > upAt ? { kind: 'empty', path: file } : { kind: 'missing', path: null };
      },
    };
  },
};

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
