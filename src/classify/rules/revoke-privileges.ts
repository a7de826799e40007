import { as, list, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';

export const revokePrivileges = defineRule({
  id: 'revoke-privileges',
  summary: 'REVOKE removes privileges (or role memberships) the running app may depend on.',
  help: 'Confirm no deployed version uses the privilege (check the app\'s role), and keep the GRANT in the down migration.',
  nodes: ['GrantStmt', 'GrantRoleStmt'],
  check(stmt) {
    const n = stmt.node;
    if (n.is_grant) return [];
    const who = list(stmt.kind === 'GrantStmt' ? n.grantees : n.grantee_roles)
      .map((r) => str(as(r, 'RoleSpec')?.rolename) ?? 'PUBLIC')
      .join(', ');
    return [
      {
        message: stmt.kind === 'GrantStmt' ? `revokes privileges from ${who}; queries the app makes as that role may start failing` : `revokes role membership from ${who}`,
        effect: { compatibility: 'breaking' },
      },
    ];
  },
  examples: {
    flags: ['REVOKE SELECT ON orders FROM reporting;', 'REVOKE ALL ON SCHEMA app FROM PUBLIC;', 'REVOKE admin FROM app_user;'],
    passes: ['GRANT SELECT ON orders TO reporting;', 'GRANT admin TO app_user;'],
  },
});
