/**
 * Unqualified system-catalog relations are pg_catalog's: PostgreSQL searches
 * pg_catalog before the search path, so `DELETE FROM pg_enum` writes the
 * catalog, not a `public.pg_enum`. Objects a statement creates still land in
 * public, whatever their name.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { classifySqlSync } from '../../../src/classify/classify-sql.js';
import { createdRelKey, relKey } from '../../../src/sql/ast.js';
import { initParser, parseSql } from '../../../src/sql/parser.js';

beforeAll(async () => {
  await initParser();
});

const findings = (sql: string) => classifySqlSync(sql).statements.flatMap((s) => s.findings.map((f) => ({ rule: f.rule, message: f.message })));
const relationOf = (sql: string) => parseSql(sql).statements[0]!.node.relation;

describe('catalog relations named without a schema', () => {
  it("delete-rows names pg_catalog.pg_enum for an unqualified DELETE FROM pg_enum (was: public.pg_enum)", () => {
    expect(findings("DELETE FROM pg_enum WHERE enumlabel = 'legacy'")).toEqual([
      { rule: 'delete-rows', message: 'deletes rows of pg_catalog.pg_enum; the down migration cannot bring them back' },
    ]);
    expect(findings('UPDATE pg_attribute SET attnotnull = false WHERE attname = \'x\'')[0]!.message).toContain('updates pg_catalog.pg_attribute');
  });

  it('keys catalog relations to pg_catalog and everything else (a user table called pg_jobs too) to public', () => {
    expect(relKey(relationOf("DELETE FROM pg_enum WHERE enumlabel = 'x'"))).toBe('pg_catalog.pg_enum');
    expect(relKey(relationOf('DELETE FROM pg_stat_statements_info'))).toBe('public.pg_stat_statements_info');
    expect(relKey(relationOf('DELETE FROM pg_jobs'))).toBe('public.pg_jobs');
    expect(relKey(relationOf('DELETE FROM public.pg_enum'))).toBe('public.pg_enum');
    expect(relKey(relationOf('DELETE FROM orders'))).toBe('public.orders');
    expect(createdRelKey(relationOf('CREATE TABLE pg_enum (id int)'))).toBe('public.pg_enum');
  });

  it('a table created as pg_jobs is the one a later DELETE empties; one created as pg_enum is not (the DELETE reaches the catalog)', () => {
    expect(findings('CREATE TABLE pg_jobs (id int); DELETE FROM pg_jobs;')).toEqual([]);
    expect(findings('CREATE TABLE pg_enum (id int); DELETE FROM pg_enum;')).toEqual([{ rule: 'delete-rows', message: 'deletes every row of pg_catalog.pg_enum (no WHERE clause)' }]);
  });
});
