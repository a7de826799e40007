import { as, list, optionNames, relKey } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display } from '../rule-helpers.js';

export const vacuumFull = defineRule({
  id: 'vacuum-full',
  summary: 'VACUUM FULL rewrites the table under ACCESS EXCLUSIVE (and cannot run in a transaction).',
  help: 'Use plain VACUUM, or pg_repack / pg_squeeze for an online rewrite; keep maintenance out of migrations.',
  nodes: ['VacuumStmt'],
  check(stmt) {
    if (!optionNames(stmt.node.options).includes('full')) return [];
    const rels = list(stmt.node.rels).map((r) => display(relKey(as(r, 'VacuumRelation')?.relation)));
    return [
      {
        message: `VACUUM FULL ${rels.join(', ') || '(every table)'}: a full rewrite while every query waits`,
        effect: { rewritesTable: true },
      },
    ];
  },
  examples: { flags: ['VACUUM FULL orders;', 'VACUUM (FULL, ANALYZE);'], passes: ['VACUUM (ANALYZE) orders;'] },
});
