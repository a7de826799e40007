/**
 * How projects say "this migration cannot be undone" without their tool's
 * own marker (`down = false`): a down whose only statement is a `throw`, or a
 * down with nothing in it (`async down() {}`, sequelize-cli's template of
 * comments, or one that hands back the connection it was given: `return knex`). Read from the function's source, never by running it: running
 * a down is what this must not do on a real database.
 */
import { createRequire } from 'node:module';
import type { Node } from 'acorn';

/**
 * acorn (200 kB) is loaded on the first down that needs a real parse, not
 * with the CLI: every command would otherwise compile it at start-up.
 */
const loadAcorn = (): typeof import('acorn') => createRequire(import.meta.url)('acorn') as typeof import('acorn');

export type DownConvention = { kind: 'throws'; message: string | null } | { kind: 'empty' };

interface FunctionNode extends Node {
  body: Node & { body?: Node[] };
  expression?: boolean;
  params?: Node[];
}

/** `throws` / `empty` when the function's body is exactly that; null for anything else (or source that cannot be read). */
export function downConvention(fn: unknown): DownConvention | null {
  if (typeof fn !== 'function') return null;
  const source = Function.prototype.toString.call(fn);
  // Native or bound functions have no source to read.
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) return null;
  // A body that awaits something is neither empty nor a lone throw: most downs, decided without a parse.
  if (/\bawait\b/.test(withoutCommentsAndStrings(source))) return null;
  const node = functionNode(source);
  if (!node) return null;
  // `exports.down = (knex) => knex`: handing back the connection it was given sends nothing.
  const own = (n: Node) => isOwnParameter(n, node);
  if (node.expression) {
    if (isNothing(node.body) || own(node.body)) return { kind: 'empty' };
    return isRejection(node.body) ? { kind: 'throws', message: thrownMessage(node.body) } : null;
  }
  const statements = (node.body.body ?? []).filter((s) => s.type !== 'EmptyStatement');
  if (statements.length === 0) return { kind: 'empty' };
  if (statements.length === 1) {
    const only = statements[0]!;
    if (only.type === 'ThrowStatement') return { kind: 'throws', message: thrownMessage(only) };
    if (only.type === 'ReturnStatement') {
      const argument = (only as Node & { argument: Node | null }).argument;
      if (argument === null || isNothing(argument) || own(argument)) return { kind: 'empty' };
      // `return Promise.reject(new Error('irreversible'))` is the promise form of a throw.
      if (isRejection(argument)) return { kind: 'throws', message: thrownMessage(argument) };
    }
  }
  return null;
}

/**
 * The source with comments and string literals blanked, for a quick look at its tokens. Rough on
 * purpose: where it errs it blanks too much, which only sends the source to the real parser.
 */
function withoutCommentsAndStrings(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g, ' ');
}

/** The function as a node: a function or arrow expression, or a method (`async down() {}`, written inside an object). */
function functionNode(source: string): FunctionNode | undefined {
  // A method's source (`async down() {}`) is only valid inside an object literal: try that first when it looks like one.
  const method = /^(async\s+)?(\*\s*)?[\w$]+\s*\(/.test(source) && !/^(async\s+)?function\b/.test(source);
  const { parse } = loadAcorn();
  const forms = method ? ([['({', '})'], ['(', ')']] as const) : ([['(', ')'], ['({', '})']] as const);
  for (const [prefix, suffix] of forms) {
    try {
      const program = parse(`${prefix}${source}${suffix}`, { ecmaVersion: 'latest', sourceType: 'script', allowAwaitOutsideFunction: true });
      const found = firstFunction(program);
      if (found) return found;
    } catch {
      // not this form
    }
  }
  return undefined;
}

function firstFunction(node: unknown): FunctionNode | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const n = node as Node & Record<string, unknown>;
  if (n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression') return n as unknown as FunctionNode;
  for (const value of Object.values(n)) {
    const children = Array.isArray(value) ? value : [value];
    for (const child of children) {
      const found = firstFunction(child);
      if (found) return found;
    }
  }
  return undefined;
}

/** `undefined`, `void 0`, `Promise.resolve()` (no argument): an expression that does nothing. */
function isNothing(node: Node): boolean {
  const n = node as Node & Record<string, unknown>;
  if (n.type === 'Identifier' && n.name === 'undefined') return true;
  if (n.type === 'UnaryExpression' && n.operator === 'void') return true;
  if (n.type === 'CallExpression' && (n.arguments as Node[]).length === 0) return isMember(n.callee as Node, 'Promise', 'resolve');
  return false;
}

/** The function's first parameter itself (`return knex` in `function (knex) { return knex; }`). */
function isOwnParameter(node: Node, fn: FunctionNode): boolean {
  const first = fn.params?.[0] as (Node & { name?: string }) | undefined;
  const n = node as Node & { name?: string };
  return first?.type === 'Identifier' && n.type === 'Identifier' && n.name === first.name;
}

function isRejection(node: Node): boolean {
  const n = node as Node & Record<string, unknown>;
  return n.type === 'CallExpression' && isMember(n.callee as Node, 'Promise', 'reject');
}

function isMember(node: Node, object: string, property: string): boolean {
  const n = node as Node & { object?: { name?: string }; property?: { name?: string } };
  return n.type === 'MemberExpression' && n.object?.name === object && n.property?.name === property;
}

/** The literal message of `throw new Error('...')` / `Promise.reject(new Error('...'))`, when it is one. */
function thrownMessage(node: Node): string | null {
  let found: string | null = null;
  const visit = (value: unknown): void => {
    if (found !== null || typeof value !== 'object' || value === null) return;
    const n = value as Node & Record<string, unknown>;
    if (n.type === 'Literal' && typeof n.value === 'string') {
      found = n.value;
      return;
    }
    if (n.type === 'TemplateLiteral') {
      found = (n.quasis as Array<{ value: { cooked: string | null } }>).map((q) => q.value.cooked ?? '').join('…');
      return;
    }
    for (const child of Object.values(n)) (Array.isArray(child) ? child : [child]).forEach(visit);
  };
  visit(node);
  return found;
}
