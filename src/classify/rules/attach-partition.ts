import { as, relKey } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, tableCmds, tbl } from '../rule-helpers.js';

export const attachPartition = defineRule({
  id: 'attach-partition',
  summary: 'ATTACH PARTITION scans the attached table under ACCESS EXCLUSIVE to check the bound, unless a valid CHECK already proves it.',
  help: 'Add a CHECK constraint matching the partition bound (NOT VALID, then VALIDATE) before ATTACH; the scan is then skipped. Drop the CHECK afterwards.',
  nodes: ['AlterTableStmt:AT_AttachPartition'],
  check(stmt) {
    return tableCmds(stmt, 'AT_AttachPartition').map(({ table, cmd }) => {
      const part = relKey(as(cmd.def, 'PartitionCmd')?.name);
      return {
        message: `attaches ${display(part)} to ${display(table)}: unless a valid CHECK matches the bound, ${display(part)} is scanned while it is locked`,
        effect: { longValidation: true },
        object: tbl(part ?? '?'),
      };
    });
  },
  examples: {
    flags: ["ALTER TABLE measurements ATTACH PARTITION m2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"],
    passes: ["CREATE TABLE m2024 (LIKE measurements);\nALTER TABLE measurements ATTACH PARTITION m2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"],
  },
});
