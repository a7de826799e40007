import { str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, dropKeys, tbl } from '../rule-helpers.js';

export const dropTable = defineRule({
  id: 'drop-table',
  summary: 'DROP TABLE removes the table and every row in it.',
  help: 'Expand/contract: stop using the table in a release first, keep it (or a backup of it) until that release is proven, then drop it in a later migration.',
  nodes: ['DropStmt'],
  check(stmt) {
    const type = str(stmt.node.removeType);
    if (type !== 'OBJECT_TABLE' && type !== 'OBJECT_FOREIGN_TABLE') return [];
    return dropKeys(stmt.node).map((key) => ({
      message: `drops table ${display(key)} and all its rows; the previous app version still reads it, and a down migration can recreate it empty but not bring the rows back`,
      effect: { compatibility: 'breaking', dataLoss: type === 'OBJECT_TABLE' ? 'destructive' : undefined },
      object: tbl(key),
    }));
  },
  examples: {
    flags: ['DROP TABLE orders;', 'DROP TABLE IF EXISTS shop.orders, shop.items;'],
    passes: ['CREATE TABLE scratch (id int);\nDROP TABLE scratch;', 'DROP VIEW orders_v;'],
  },
});
