/**
 * Loading a code migration the way its own tool does, so every export is
 * seen: CommonJS through `require` (an `import()` of CommonJS exposes only
 * `default` and the names Node's lexer can find statically — a `down:` after
 * an arrow-function `up:` is not among them), ECMAScript modules through
 * `import()`, TypeScript through jiti (the loader node-pg-migrate uses).
 *
 * Shared by every code-migration tool of the family (umzug, node-pg-migrate,
 * and the ORMs' code migrations): also tells which local files a module
 * imports, where that is knowable, so a capture cache can key on them.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export type ModuleFormat = 'commonjs' | 'esm' | 'typescript';

export interface LoadedModule {
  /** The module's exports as its tool sees them: `module.exports` for CommonJS, the namespace for ESM. */
  exports: Record<string, unknown>;
  format: ModuleFormat;
}

const TS_EXT = /\.(c|m)?ts$/i;

/** CommonJS or ESM, as Node decides: the extension, else the nearest package.json's "type". */
export function moduleFormat(file: string): ModuleFormat {
  if (TS_EXT.test(file)) return 'typescript';
  if (/\.cjs$/i.test(file)) return 'commonjs';
  if (/\.mjs$/i.test(file)) return 'esm';
  return packageType(path.dirname(path.resolve(file))) === 'module' ? 'esm' : 'commonjs';
}

function packageType(dir: string): string | undefined {
  for (let current = dir; ; current = path.dirname(current)) {
    try {
      const type = (JSON.parse(readFileSync(path.join(current, 'package.json'), 'utf8')) as { type?: unknown }).type;
      return typeof type === 'string' ? type : undefined;
    } catch (err) {
      // Only a missing file moves the search up: a package.json that cannot be parsed is Node's error too.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
    }
    if (path.dirname(current) === current) return undefined;
  }
}

export async function loadModule(file: string): Promise<LoadedModule> {
  const absolute = path.resolve(file);
  const format = moduleFormat(absolute);
  if (format === 'commonjs') {
    const exported = createRequire(absolute)(absolute) as unknown;
    return { format, exports: asRecord(exported) };
  }
  if (format === 'esm') return { format, exports: asRecord(await import(pathToFileURL(absolute).href)) };
  const { createJiti } = await import('jiti');
  const babel = createJiti(absolute, { interopDefault: false });
  const compiler = decoratorCompiler(absolute);
  // jiti's cache holds Babel's output for the same source: with the project's compiler it is not read.
  const jiti = compiler ? createJiti(absolute, { interopDefault: false, fsCache: false, transform: (opts) => (opts.ts && opts.filename ? { code: compiler(opts.source, opts.filename) } : { code: babel.transform(opts) }) }) : babel;
  return { format, exports: asRecord(await jiti.import(absolute)) };
}

interface TypescriptApi {
  readConfigFile(file: string, read: (f: string) => string | undefined): { config?: unknown; error?: unknown };
  parseJsonConfigFileContent(json: unknown, host: unknown, basePath: string): { options: Record<string, unknown> };
  transpileModule(source: string, options: { compilerOptions: Record<string, unknown>; fileName: string }): { outputText: string };
  sys: { readFile(f: string): string | undefined };
  ModuleKind: { CommonJS: number };
}

/**
 * TypeScript whose nearest tsconfig.json turns on `experimentalDecorators`
 * (TypeORM entities, NestJS) is compiled by the project's own TypeScript,
 * as ts-node compiles it for the typeorm CLI: jiti's Babel implements those
 * decorators otherwise — a decorated field without an initializer throws
 * "Decorating class property failed" once TypeORM instantiates the entity,
 * and no `design:type` metadata is emitted for column types to be guessed
 * from. Without such a tsconfig, or without typescript installed, jiti's
 * own transform stays.
 */
function decoratorCompiler(file: string): ((source: string, fileName: string) => string) | undefined {
  const tsconfig = nearestTsconfig(path.dirname(file));
  if (tsconfig === undefined) return undefined;
  let ts: TypescriptApi;
  try {
    ts = createRequire(file)('typescript') as TypescriptApi;
  } catch {
    return undefined;
  }
  const read = ts.readConfigFile(tsconfig, (f) => ts.sys.readFile(f));
  if (read.error !== undefined || read.config === undefined) return undefined;
  const options = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(tsconfig)).options;
  if (options.experimentalDecorators !== true) return undefined;
  const compilerOptions = { ...options, module: ts.ModuleKind.CommonJS, sourceMap: false, inlineSourceMap: false, declaration: false, noEmit: false };
  return (source, fileName) => ts.transpileModule(source, { compilerOptions, fileName }).outputText;
}

/** tsconfig.json in `dir` or the closest folder above it, as tsc and ts-node find it. */
function nearestTsconfig(dir: string): string | undefined {
  for (let current = dir; ; current = path.dirname(current)) {
    const candidate = path.join(current, 'tsconfig.json');
    if (isFile(candidate)) return candidate;
    if (path.dirname(current) === current) return undefined;
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  if ((typeof value === 'object' || typeof value === 'function') && value !== null) return value as Record<string, unknown>;
  return { default: value };
}

/**
 * The local files (outside node_modules) a module imports, transitively,
 * read from its source: `require('./x')`, `import ... from './x'`,
 * `export ... from './x'`, `import('./x')` with a literal specifier. A
 * specifier computed at run time cannot be known, and is not.
 */
export async function localImports(file: string): Promise<string[]> {
  return (await readWithImports(file)).slice(1).map((f) => f.path).sort();
}

interface SourceFile {
  path: string;
  bytes: Buffer;
}

/** The module and every local file it imports, each read once (the module first). */
async function readWithImports(file: string): Promise<SourceFile[]> {
  const first = path.resolve(file);
  const seen = new Set<string>([first]);
  const queue = [first];
  const out: SourceFile[] = [];
  while (queue.length > 0) {
    const current = queue.shift()!;
    const bytes = await readFile(current).catch(() => undefined);
    if (bytes === undefined) {
      out.push({ path: current, bytes: Buffer.from('\0missing\0') });
      continue;
    }
    out.push({ path: current, bytes });
    for (const specifier of specifiersOf(bytes.toString('utf8'))) {
      if (!specifier.startsWith('.') && !path.isAbsolute(specifier)) continue;
      const resolved = resolveLocal(current, specifier);
      if (resolved === undefined || seen.has(resolved) || resolved.includes(`${path.sep}node_modules${path.sep}`)) continue;
      seen.add(resolved);
      queue.push(resolved);
    }
  }
  return out;
}

const SPECIFIER = /(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s*|\bimport\s+)(['"])([^'"\n]+)\1/g;

function specifiersOf(text: string): string[] {
  return [...text.matchAll(SPECIFIER)].map((m) => m[2]!);
}

const CANDIDATE_EXT = ['', '.js', '.cjs', '.mjs', '.ts', '.cts', '.mts', '.json', '/index.js', '/index.cjs', '/index.ts'];

function isFile(candidate: string): boolean {
  return statSync(candidate, { throwIfNoEntry: false })?.isFile() ?? false;
}

function resolveLocal(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  const found = CANDIDATE_EXT.map((ext) => base + ext).find(isFile);
  if (found) return found;
  // TypeScript sources import their compiled name ('./x.js' for ./x.ts).
  const ts = base.replace(/\.(c|m)?js$/i, '.$1ts');
  return isFile(ts) ? ts : undefined;
}

/**
 * A module's identity for caching what running it produced: the sha256 of
 * its own bytes and of every local file it imports (their paths relative to
 * it, so a moved project keeps its cache).
 */
export async function sourceHash(file: string): Promise<string> {
  const absolute = path.resolve(file);
  const files = await readWithImports(absolute);
  const hash = createHash('sha256');
  for (const f of [files[0]!, ...files.slice(1).sort((a, b) => (a.path < b.path ? -1 : 1))]) {
    hash.update(path.relative(path.dirname(absolute), f.path)).update('\0').update(f.bytes).update('\0');
  }
  return hash.digest('hex');
}
