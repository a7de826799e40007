import { as, list, relKey, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, tbl } from '../rule-helpers.js';

export const createUniqueIndex = defineRule({
  id: 'create-unique-index',
  summary: 'A unique index on an existing table rejects duplicates the previous app version may still write (and fails to build if any exist).',
  help: 'Deduplicate and make the app enforce uniqueness first; then CREATE UNIQUE INDEX CONCURRENTLY.',
  nodes: ['IndexStmt'],
  check(stmt, ctx) {
    if (!stmt.node.unique) return [];
    const table = relKey(stmt.node.relation) ?? '?';
    // On columns the same migration added with nothing to fill them (TypeORM's `@Index({ unique: true })` on a new
    // nullable column): the previous app writes NULL there, which no unique index refuses.
    const columns = list(stmt.node.indexParams).map((p) => as(p, 'IndexElem'));
    if (columns.length > 0 && columns.every((e) => e !== undefined && e.expr === undefined && str(e.name) !== undefined && ctx.state.nullForPreviousApp(`${table}.${str(e.name)}`))) return [];
    return [
      {
        message: `adds unique index ${str(stmt.node.idxname) ?? '(unnamed)'} on ${display(table)}: duplicate writes from the previous app version will fail`,
        effect: { compatibility: 'breaking' },
        object: tbl(table),
      },
    ];
  },
  examples: {
    flags: [
      'CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (lower(email));',
      // With a default, every row the previous app writes holds the same value: the second is refused.
      "ALTER TABLE workshop ADD slug varchar DEFAULT 'x';\nCREATE UNIQUE INDEX workshop_slug_key ON workshop (slug);",
    ],
    passes: [
      'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
      'CREATE TABLE t (a int);\nCREATE UNIQUE INDEX ON t (a);',
      // A column this migration added, nullable and without a default (TypeORM's generated `@Index({ unique: true })`).
      'ALTER TABLE "workshop" ADD "slug" character varying;\nCREATE UNIQUE INDEX "IDX_2c5e7b4e1c9d0f3a8b6e4d2a1f" ON "workshop" ("slug");',
    ],
  },
});
