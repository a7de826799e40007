import { str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';

export const dropDatabase = defineRule({
  id: 'drop-database',
  summary: 'DROP DATABASE removes a whole database.',
  help: 'Databases are not migration material: drop them by hand, after a verified backup.',
  nodes: ['DropdbStmt'],
  check(stmt) {
    return [
      {
        message: `drops database ${str(stmt.node.dbname) ?? '?'} and everything in it`,
        effect: { compatibility: 'breaking', dataLoss: 'destructive' },
      },
    ];
  },
  examples: { flags: ['DROP DATABASE analytics;'], passes: ['CREATE DATABASE analytics;'] },
});
