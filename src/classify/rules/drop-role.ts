import { as, list, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';

export const dropRole = defineRule({
  id: 'drop-role',
  summary: 'DROP ROLE / DROP USER removes a login or group the app or other services may use.',
  help: 'Roles are cluster-wide: manage them outside migrations, after checking nothing connects as them.',
  nodes: ['DropRoleStmt'],
  check(stmt) {
    const roles = list(stmt.node.roles).map((r) => str(as(r, 'RoleSpec')?.rolename) ?? '?');
    return [{ message: `drops role ${roles.join(', ')}; connections and grants that use it break`, effect: { compatibility: 'breaking' } }];
  },
  examples: { flags: ['DROP ROLE reporting;', 'DROP USER IF EXISTS legacy_app;'], passes: ['CREATE ROLE reporting;'] },
});
