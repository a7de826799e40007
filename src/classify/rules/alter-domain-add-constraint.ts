import { as, names, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';

export const alterDomainAddConstraint = defineRule({
  id: 'alter-domain-add-constraint',
  summary: 'ALTER DOMAIN ... ADD CONSTRAINT tightens every column of the domain and, unless NOT VALID, scans all of them.',
  help: 'ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT separately; make writers comply first.',
  nodes: ['AlterDomainStmt'],
  check(stmt) {
    if (str(stmt.node.subtype) !== 'C') return [];
    const con = as(stmt.node.def, 'Constraint');
    return [
      {
        message: `adds a constraint to domain ${names(stmt.node.typeName).join('.')}: every column of the domain must satisfy it${con?.skip_validation ? '' : ', checked now by scanning all of them'}`,
        effect: { compatibility: 'breaking', longValidation: !con?.skip_validation || undefined },
      },
    ];
  },
  examples: {
    flags: ['ALTER DOMAIN positive_int ADD CONSTRAINT pos CHECK (VALUE > 0);', 'ALTER DOMAIN positive_int ADD CONSTRAINT pos CHECK (VALUE > 0) NOT VALID;'],
    passes: ['ALTER DOMAIN positive_int VALIDATE CONSTRAINT pos;'],
  },
});
