/**
 * The one regular-expression escaper (src/sql/escape-regexp.ts) that the
 * round trip's leftover check, classify's catalog reading, Liquibase's
 * endDelimiter split and the CLI's suggested commands build their patterns
 * with: every character a pattern gives a meaning matches only itself.
 */
import { describe, expect, it } from 'vitest';
import { escapeRegExp } from '../../../src/sql/escape-regexp.js';

describe('escapeRegExp', () => {
  it('every special character matches only itself', () => {
    const special = '.*+?^${}()|[]\\';
    expect(new RegExp(`^${escapeRegExp(special)}$`).test(special)).toBe(true);
    expect(new RegExp(`^${escapeRegExp('a.b')}$`).test('axb')).toBe(false);
  });

  it('leaves names, flags and delimiters without special characters as they are', () => {
    expect(escapeRegExp('--database-url')).toBe('--database-url');
    expect(escapeRegExp('order_items')).toBe('order_items');
    expect(escapeRegExp('GO')).toBe('GO');
  });

  it('a quoted identifier with a dot and a dollar is one literal', () => {
    expect(escapeRegExp('"Sales.EU".$x')).toBe('"Sales\\.EU"\\.\\$x');
  });
});
