/**
 * umzug's default resolver loads a `.js` migration with `require` only when
 * the process's entry point is CommonJS (its `require.main` is set): under
 * the project's own script (`node db/migrate.js`) it is; under dbrollback,
 * an ES module, it is not, and umzug falls back to `import()`. An import of
 * CommonJS shows only the names Node's lexer finds statically: an
 * `async up() {}` method is not found (the up fails, "up is not a
 * function"), nor a `down:` written after an arrow-function `up:` — and
 * umzug then skips that down silently and still unlogs the migration.
 *
 * So the instance's migration list is wrapped once: a CommonJS `.js`
 * migration whose up/down are the default resolver's (the same source as
 * the resolver of the instance's own umzug makes; a custom `resolve` may
 * spread them in) is required, as the project's script loads it. Any other
 * migration is left as the project resolved it.
 */
import path from 'node:path';
import { loadModule, moduleFormat } from '../load-module.js';

type MigrationFn = (params: { name: string; path: string; context: unknown }) => unknown;

interface ResolvedMigration {
  name: string;
  path?: string;
  up: unknown;
  down?: unknown;
}

type Resolver = (params: { name: string; path: string; context: unknown }) => ResolvedMigration;

const WRAPPED = Symbol.for('dbrollback.umzug.requires-commonjs');

/** Make the instance run CommonJS `.js` migrations through `require`, as a CommonJS entry point would. */
export function requireCommonJsMigrations(instance: unknown): void {
  const resolver = defaultResolverOf(instance);
  const target = instance as { migrations?: unknown; [WRAPPED]?: true };
  if (resolver === undefined || typeof target.migrations !== 'function' || target[WRAPPED]) return;
  // Only closures, nothing is loaded: their source tells the default resolver's functions apart from the project's own.
  const sample = resolver({ name: 'sample.js', path: path.resolve('sample.js'), context: undefined });
  const defaults = { up: String(sample.up), down: String(sample.down) };
  const list = (target.migrations as (context: unknown) => Promise<ResolvedMigration[]>).bind(instance);
  target.migrations = async (context: unknown) => (await list(context)).map((m) => requiring(m, defaults));
  target[WRAPPED] = true;
}

function requiring(m: ResolvedMigration, defaults: { up: string; down: string }): ResolvedMigration {
  const file = m.path;
  if (file === undefined || path.extname(file) !== '.js' || moduleFormat(file) !== 'commonjs' || String(m.up) !== defaults.up) return m;
  const exportsOf = async () => (await loadModule(file)).exports as { up: MigrationFn; down?: MigrationFn };
  return {
    ...m,
    up: async ({ context }: { context: unknown }) => (await exportsOf()).up({ name: m.name, path: file, context }),
    down: String(m.down) === defaults.down ? async ({ context }: { context: unknown }) => (await exportsOf()).down?.({ name: m.name, path: file, context }) : m.down,
  };
}

/** `defaultResolver` of the umzug class the instance was made from (the project's own copy of umzug). */
function defaultResolverOf(instance: unknown): Resolver | undefined {
  if (typeof instance !== 'object' || instance === null) return undefined;
  for (let ctor = (instance as { constructor?: unknown }).constructor; typeof ctor === 'function'; ctor = Object.getPrototypeOf(ctor) as unknown) {
    const holder = ctor as { defaultResolver?: unknown };
    if (Object.hasOwn(holder, 'defaultResolver') && typeof holder.defaultResolver === 'function') return holder.defaultResolver as Resolver;
  }
  return undefined;
}
