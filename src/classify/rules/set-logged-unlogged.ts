import { defineRule } from '../rule.js';
import { display, tableCmds, tbl } from '../rule-helpers.js';

export const setLoggedUnlogged = defineRule({
  id: 'set-logged-unlogged',
  summary: 'SET LOGGED / SET UNLOGGED rewrites the table under ACCESS EXCLUSIVE; an UNLOGGED table is emptied after a crash and not replicated.',
  help: 'Choose persistence when the table is created; changing it later is a maintenance-window operation.',
  nodes: ['AlterTableStmt:AT_SetLogged', 'AlterTableStmt:AT_SetUnLogged'],
  check(stmt) {
    return tableCmds(stmt, 'AT_SetLogged', 'AT_SetUnLogged').map(({ table, cmd }) => ({
      message:
        cmd.subtype === 'AT_SetUnLogged'
          ? `makes ${display(table)} UNLOGGED: rewritten now, emptied after any crash, invisible to replicas`
          : `makes ${display(table)} LOGGED: the whole table is rewritten (and WAL-logged) while queries wait`,
      effect: { rewritesTable: true },
      object: tbl(table),
    }));
  },
  examples: { flags: ['ALTER TABLE cache SET UNLOGGED;', 'ALTER TABLE cache SET LOGGED;'], passes: ['CREATE UNLOGGED TABLE cache (k text);'] },
});
