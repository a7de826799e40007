import { alterCmds, as, optionNames, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';

export const concurrentlyInTransaction = defineRule({
  id: 'concurrently-in-transaction',
  summary: 'CONCURRENTLY operations (and VACUUM, enum ADD VALUE before 12) cannot run inside a transaction block: the migration fails.',
  help: 'Run the statement in its own migration outside a transaction (node-pg-migrate: pgm.noTransaction(); SQL files: no BEGIN/COMMIT around it; golang-migrate and Prisma, which send a file as one query: alone in its file).',
  nodes: ['IndexStmt', 'DropStmt', 'ReindexStmt', 'AlterTableStmt', 'VacuumStmt', 'AlterEnumStmt'],
  check(stmt, ctx) {
    if (!ctx.inTransaction) return [];
    const n = stmt.node;
    let what: string | undefined;
    if ((stmt.kind === 'IndexStmt' || stmt.kind === 'DropStmt') && n.concurrent) what = `${stmt.kind === 'IndexStmt' ? 'CREATE' : 'DROP'} INDEX CONCURRENTLY`;
    if (stmt.kind === 'ReindexStmt' && optionNames(n.params).includes('concurrently')) what = 'REINDEX CONCURRENTLY';
    if (stmt.kind === 'AlterTableStmt' && alterCmds(n).some((c) => str(c.subtype) === 'AT_DetachPartition' && as(c.def, 'PartitionCmd')?.concurrent)) what = 'DETACH PARTITION CONCURRENTLY';
    if (stmt.kind === 'VacuumStmt' && n.is_vacuumcmd) what = 'VACUUM';
    if (stmt.kind === 'AlterEnumStmt' && !n.oldVal && ctx.serverVersion < 12) what = 'ALTER TYPE ... ADD VALUE (before PostgreSQL 12)';
    if (!what) return [];
    return [{ message: `${what} cannot run inside a transaction block; this migration runs in one and will fail`, effect: {} }];
  },
  examples: {
    flags: [
      'BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;',
      { sql: 'DROP INDEX CONCURRENTLY i;', inTransaction: true },
      { sql: "ALTER TYPE mood ADD VALUE 'meh';", inTransaction: true, serverVersion: 11 },
      // Sent as one query (golang-migrate, Prisma): beside another statement, in one implicit transaction block.
      { sql: 'ALTER TABLE t ADD COLUMN b int;\nCREATE INDEX CONCURRENTLY i ON t (a);', inTransaction: 'several-statements' },
    ],
    passes: ['CREATE INDEX CONCURRENTLY i ON t (a);', { sql: 'CREATE INDEX CONCURRENTLY i ON t (a);', inTransaction: 'several-statements' }, { sql: "ALTER TYPE mood ADD VALUE 'meh';", inTransaction: true, serverVersion: 12 }],
  },
});
