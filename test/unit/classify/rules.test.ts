/**
 * Every rule's own examples: each `flags` case produces that rule's finding,
 * each `passes` case does not. A rule without examples fails here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { classifySqlSync } from '../../../src/classify/classify-sql.js';
import { initParser } from '../../../src/sql/parser.js';
import { RULES } from '../../../src/classify/registry.js';
import type { RuleExample } from '../../../src/classify/rule.js';

beforeAll(async () => {
  await initParser();
});

function ruleIdsFor(example: RuleExample): string[] {
  const { sql, ...options } = typeof example === 'string' ? { sql: example } : example;
  const result = classifySqlSync(sql, options);
  return result.statements.flatMap((s) => [...s.findings, ...s.suppressed].map((f) => f.rule));
}

describe('rule registry', () => {
  it('has unique kebab-case ids and at least 50 flagged patterns in total', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(RULES.reduce((n, r) => n + r.examples.flags.length, 0)).toBeGreaterThanOrEqual(50);
  });
});

for (const rule of RULES) {
  describe(`rule ${rule.id}`, () => {
    it('documents itself with a summary, a help text and examples of both kinds', () => {
      expect(rule.summary.length).toBeGreaterThan(10);
      expect(rule.help.length).toBeGreaterThan(10);
      expect(rule.examples.flags.length).toBeGreaterThan(0);
      expect(rule.examples.passes.length).toBeGreaterThan(0);
    });
    for (const example of rule.examples.flags) {
      const label = typeof example === 'string' ? example : `${example.sql} ${JSON.stringify({ ...example, sql: undefined })}`;
      it(`flags: ${label}`, () => {
        expect(ruleIdsFor(example)).toContain(rule.id);
      });
    }
    for (const example of rule.examples.passes) {
      const label = typeof example === 'string' ? example : `${example.sql} ${JSON.stringify({ ...example, sql: undefined })}`;
      it(`passes: ${label}`, () => {
        expect(ruleIdsFor(example)).not.toContain(rule.id);
      });
    }
  });
}
