import { defineRule } from '../rule.js';
import { display, tableCmds, tbl } from '../rule-helpers.js';

export const enableRowLevelSecurity = defineRule({
  id: 'enable-row-level-security',
  summary: 'ENABLE / FORCE ROW LEVEL SECURITY hides every row from non-owner roles that no policy admits.',
  help: 'Create the policies first (and test them with the app\'s role); enable RLS last.',
  nodes: ['AlterTableStmt:AT_EnableRowSecurity', 'AlterTableStmt:AT_ForceRowSecurity'],
  check(stmt) {
    return tableCmds(stmt, 'AT_EnableRowSecurity', 'AT_ForceRowSecurity').map(({ table, cmd }) => ({
      message: `${cmd.subtype === 'AT_ForceRowSecurity' ? 'forces' : 'enables'} row level security on ${display(table)}: queries from roles without a matching policy see no rows`,
      effect: { compatibility: 'breaking' },
      object: tbl(table),
    }));
  },
  examples: {
    flags: ['ALTER TABLE documents ENABLE ROW LEVEL SECURITY;', 'ALTER TABLE documents FORCE ROW LEVEL SECURITY;'],
    passes: ['ALTER TABLE documents DISABLE ROW LEVEL SECURITY;', 'CREATE TABLE d (id int);\nALTER TABLE d ENABLE ROW LEVEL SECURITY;'],
  },
});
