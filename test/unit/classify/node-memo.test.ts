/** What rules read once per parse-tree node is kept on the node, out of sight of JSON, Object.entries and walk(). */
import { beforeAll, describe, expect, it } from 'vitest';
import { alterCmds, memoOnNode, typeInfo, walk } from '../../../src/sql/ast.js';
import { initParser, parseSql } from '../../../src/sql/parser.js';

beforeAll(async () => {
  await initParser();
});

describe('memoOnNode', () => {
  it('reads a node once, and leaves what JSON, Object.entries and walk() see of the tree unchanged', () => {
    const [stmt] = parseSql('ALTER TABLE t ADD COLUMN c varchar(20), ALTER COLUMN d TYPE bigint;').statements;
    const before = JSON.stringify(stmt!.node);
    const keys = Object.keys(stmt!.node);
    const cmds = alterCmds(stmt!.node);
    expect(alterCmds(stmt!.node)).toBe(cmds);
    const column = cmds[0]!.def as { ColumnDef: { typeName: unknown } };
    const type = typeInfo(column.ColumnDef.typeName);
    expect(type?.text).toBe('varchar(20)');
    expect(typeInfo(column.ColumnDef.typeName)).toBe(type);
    expect(JSON.stringify(stmt!.node)).toBe(before);
    expect(Object.keys(stmt!.node)).toEqual(keys);
    const seen: string[] = [];
    walk(stmt!.node, (nodeType) => void seen.push(nodeType));
    expect(seen.filter((t) => t === 'AlterTableCmd')).toHaveLength(2);
  });

  it('keeps an undefined answer too (asked again, not read again)', () => {
    const node = {};
    const key = Symbol('test');
    let reads = 0;
    const read = () => {
      reads++;
      return undefined;
    };
    expect(memoOnNode(node, key, read)).toBeUndefined();
    expect(memoOnNode(node, key, read)).toBeUndefined();
    expect(reads).toBe(1);
  });
});
