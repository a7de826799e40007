import { str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, dropKeys } from '../rule-helpers.js';

export const dropView = defineRule({
  id: 'drop-view',
  summary: 'DROP VIEW / DROP MATERIALIZED VIEW removes a relation the app may query.',
  help: 'Stop querying the view in a release first, then drop it in a later migration.',
  nodes: ['DropStmt'],
  check(stmt) {
    const type = str(stmt.node.removeType);
    if (type !== 'OBJECT_VIEW' && type !== 'OBJECT_MATVIEW') return [];
    const what = type === 'OBJECT_VIEW' ? 'view' : 'materialized view';
    // A view holds no data of its own; a materialized view's rows can be recomputed from its query.
    return dropKeys(stmt.node).map((key) => ({
      message: `drops ${what} ${display(key)}; the previous app version may still query it`,
      effect: { compatibility: 'breaking' },
      object: `view:${key}`,
    }));
  },
  examples: {
    flags: ['DROP VIEW active_users;', 'DROP MATERIALIZED VIEW IF EXISTS sales_daily;'],
    passes: ['CREATE VIEW v AS SELECT 1 AS one;\nDROP VIEW v;'],
  },
});
