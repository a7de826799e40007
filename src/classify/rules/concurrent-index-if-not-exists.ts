import { relKey, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, tbl } from '../rule-helpers.js';

/**
 * A failed CREATE INDEX CONCURRENTLY is not rolled back: it leaves its index INVALID (kept up to date by every
 * write, used by no query, enforcing no uniqueness). IF NOT EXISTS then makes the rerun a silent no-op on that
 * name, so the migration is recorded as applied while the index stays INVALID.
 */
export const concurrentIndexIfNotExists = defineRule({
  id: 'concurrent-index-if-not-exists',
  summary: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS: after a failed run leaves the index INVALID, a rerun skips it silently and it stays INVALID.',
  help:
    'Drop a leftover first: put `DROP INDEX CONCURRENTLY IF EXISTS name;` before it (in the same file where the tool runs it outside a transaction; golang-migrate and Prisma send a file as one query, so there in a migration of its own before this one), or leave out IF NOT EXISTS so a rerun fails loudly. After a failure, `SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid` lists INVALID indexes: drop each with DROP INDEX CONCURRENTLY (or rebuild it with REINDEX INDEX CONCURRENTLY) before running again.',
  nodes: ['IndexStmt'],
  check(stmt, ctx) {
    const n = stmt.node;
    if (!n.concurrent || !n.if_not_exists) return [];
    const table = relKey(n.relation) ?? '?';
    const name = str(n.idxname) ?? '(unnamed)';
    const index = `${table.slice(0, table.indexOf('.'))}.${name}`;
    // Dropped IF EXISTS earlier in the file: the rerun builds it afresh.
    if (ctx.state.droppedIndexIfExists(index)) return [];
    return [
      {
        message: `creates index ${name} on ${display(table)} CONCURRENTLY IF NOT EXISTS: if a run fails part-way (a duplicate, a deadlock, a cancel), ${name} is left INVALID, and a rerun skips it because the name exists — the migration is then recorded as applied while ${name} stays INVALID${n.unique ? ', enforcing no uniqueness' : ', used by no query'}`,
        help: `Put \`DROP INDEX CONCURRENTLY IF EXISTS ${index};\` before it (golang-migrate, Prisma: in a migration of its own, since a file of two statements runs as one transaction block), or leave out IF NOT EXISTS so a rerun fails loudly; after a failure, drop the INVALID ${name} (or REINDEX INDEX CONCURRENTLY ${index}) before running again.`,
        effect: {},
        object: tbl(table),
      },
    ];
  },
  examples: {
    flags: [
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_trips_vehicle_id ON trips (vehicle_id);',
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS vehicles_plate_key ON vehicles (plate);',
      // A drop of another index does not clear this one's leftover.
      'DROP INDEX CONCURRENTLY IF EXISTS other_idx;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS orders_created_idx ON orders (created_at);',
    ],
    passes: [
      'CREATE INDEX CONCURRENTLY orders_created_idx ON orders (created_at);',
      // Not CONCURRENTLY: a failed build is rolled back with its transaction, nothing is left to skip.
      'CREATE INDEX IF NOT EXISTS orders_created_idx ON orders (created_at);',
      'DROP INDEX CONCURRENTLY IF EXISTS orders_created_idx;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS orders_created_idx ON orders (created_at);',
      'CREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t (a);',
    ],
  },
});
