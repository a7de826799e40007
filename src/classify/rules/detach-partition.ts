import { as, relKey } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, tableCmds, tbl } from '../rule-helpers.js';

export const detachPartition = defineRule({
  id: 'detach-partition',
  summary: 'DETACH PARTITION removes the partition\'s rows from the parent (queries stop seeing them); without CONCURRENTLY it takes ACCESS EXCLUSIVE on the parent.',
  help: 'On PostgreSQL 14+ use DETACH PARTITION ... CONCURRENTLY (outside a transaction); make sure nothing still needs those rows through the parent.',
  nodes: ['AlterTableStmt:AT_DetachPartition'],
  check(stmt, ctx) {
    return tableCmds(stmt, 'AT_DetachPartition').map(({ table, cmd }) => {
      const part = as(cmd.def, 'PartitionCmd');
      const concurrent = Boolean(part?.concurrent);
      const lockNote = concurrent ? '' : ctx.serverVersion >= 14 ? '; without CONCURRENTLY every query on the parent waits' : '; every query on the parent waits (no CONCURRENTLY before 14)';
      return {
        message: `detaches ${display(relKey(part?.name))} from ${display(table)}: its rows disappear from queries on the parent${lockNote}`,
        help: ctx.serverVersion >= 14 ? this.help : 'Before PostgreSQL 14 DETACH always takes ACCESS EXCLUSIVE on the parent: run it in a quiet window.',
        effect: { compatibility: 'breaking' },
        object: tbl(table),
      };
    });
  },
  examples: {
    flags: ['ALTER TABLE measurements DETACH PARTITION measurements_2020;', 'ALTER TABLE measurements DETACH PARTITION measurements_2020 CONCURRENTLY;'],
    passes: ['ALTER TABLE measurements ATTACH PARTITION m2024 FOR VALUES FROM (1) TO (2);'],
  },
});
