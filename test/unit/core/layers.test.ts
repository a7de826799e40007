/**
 * The layer order of src/, checked from the import statements so it stays
 * true: a folder imports only from folders below it (and the shared root
 * modules); the CLI imports only the public API; the root holds only the
 * public API and the shared modules; and no files import each other in a
 * circle, inside a layer or across.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../../harness/source-files.js';

const SRC = path.resolve(import.meta.dirname, '../../../src');

/** Top to bottom; the README's architecture section lists the same order. */
export const LAYERS = ['cli', 'drill', 'migrate', 'classify', 'run', 'tools', 'backup', 'verify', 'audit', 'storage', 'fingerprint', 'pgtools', 'sql', 'db', 'secrets'];
/** Root modules any layer may use; they import nothing of src/ themselves. */
const SHARED_ROOT = new Set(['errors.ts', 'compare-strings.ts', 'progress.ts', 'trace.ts']);
/** The public API: it sits between the CLI and every layer, and only the CLI imports it. */
const PUBLIC_API = 'index.ts';
/**
 * archive_command / restore_command run once per WAL segment: their short way
 * in loads only the WAL code and the storage driver, not the public API's
 * whole module graph (issue #11). A long classify's parse worker is started
 * by the bin before the program loads (early-parse.ts, issue #22).
 */
const CLI_FAST_PATHS = new Set(['cli/archive-entry.ts', 'cli/prefetch-worker.ts', 'cli/pusher-worker.ts', 'cli/early-parse.ts']);


function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
}

/** The layer a src-relative path belongs to: its first folder, or the root file's name. */
function layerOf(rel: string): string {
  return rel.includes('/') ? rel.split('/')[0]! : rel;
}

/** Every src file (src-relative, `/`-separated) with the src files it imports. */
async function importGraph(): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  for (const file of await sourceFiles(SRC)) {
    const rel = path.relative(SRC, file).split(path.sep).join('/');
    const targets = importsOf(await readFile(file, 'utf8')).map((spec) =>
      path.relative(SRC, path.resolve(path.dirname(file), spec)).split(path.sep).join('/').replace(/\.js$/, '.ts'),
    );
    graph.set(rel, targets);
  }
  return graph;
}

/** Which rule an import from `rel` to `target` breaks, or null. */
function layerProblem(rel: string, target: string): string | null {
  const from = layerOf(rel);
  const to = layerOf(target);
  if (SHARED_ROOT.has(from)) return SHARED_ROOT.has(to) ? null : `${rel} imports ${target}: the shared root modules import nothing but each other`;
  if (to === from || SHARED_ROOT.has(to)) return null;
  if (from === 'cli') return to === PUBLIC_API || CLI_FAST_PATHS.has(rel) ? null : `${rel} imports ${target}: the CLI uses only the public API (src/index.ts)`;
  if (to === PUBLIC_API) return `${rel} imports ${target}: only the CLI imports the public API; a layer imports the module it needs`;
  if (from === PUBLIC_API) return LAYERS.includes(to) ? null : `${rel} imports ${target}, which is in no layer`;
  if (!LAYERS.includes(from)) return `${rel} is in no layer: the root holds only ${PUBLIC_API} and ${[...SHARED_ROOT].join(', ')}; put it in a layer folder (and the README's list)`;
  if (!LAYERS.includes(to)) return `${rel} imports ${target}, which is in no layer`;
  if (to === 'cli') return `${rel} (${from}) imports ${target} (cli), a layer above it`;
  return LAYERS.indexOf(to) <= LAYERS.indexOf(from) ? `${rel} (${from}) imports ${target} (${to}), a layer above it` : null;
}

/** Each circle of imports once, as `a -> b -> ... -> a` (Tarjan's strongly connected components, then one loop through each). */
export function circles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!graph.has(to)) continue;
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = (graph.get(node) ?? []).includes(node);
      if (component.length > 1 || selfLoop) components.push(component);
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components.map((component) => loopThrough(graph, new Set(component)));
}

/** One loop inside a strongly connected component, from its first file (sorted) back to it. */
function loopThrough(graph: ReadonlyMap<string, readonly string[]>, members: ReadonlySet<string>): string {
  const start = [...members].sort()[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const to of graph.get(node) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [start];
        for (let at = node; at !== start; at = previous.get(at)!) path.splice(1, 0, at);
        return [...path, start].join(' -> ');
      }
      if (!previous.has(to)) {
        previous.set(to, node);
        queue.push(to);
      }
    }
  }
  return [...members].join(' -> ');
}

describe('layers', () => {
  it('every import in src/ points down the layer order (or at errors, compare-strings, progress, trace); the CLI uses only the public API', async () => {
    const problems: string[] = [];
    for (const [rel, targets] of await importGraph()) {
      for (const target of targets) {
        const problem = layerProblem(rel, target);
        if (problem !== null) problems.push(problem);
      }
    }
    expect(problems).toEqual([]);
  });

  it('knows every folder of src/, and the root holds only the public API and the shared modules', async () => {
    const entries = await readdir(SRC, { withFileTypes: true });
    expect(entries.filter((e) => e.isDirectory() && !LAYERS.includes(e.name)).map((e) => e.name)).toEqual([]);
    expect(entries.filter((e) => e.isFile() && e.name !== PUBLIC_API && !SHARED_ROOT.has(e.name)).map((e) => e.name)).toEqual([]);
  });

  it('no files of src/ import each other in a circle', async () => {
    expect(circles(await importGraph())).toEqual([]);
  });

  it('the layer rules catch an upward import, a root file outside the layers, and a circle', () => {
    expect(layerProblem('tools/registry.ts', 'classify/classify.ts')).toMatch(/a layer above it/);
    expect(layerProblem('config.ts', 'db/conninfo.ts')).toMatch(/in no layer/);
    expect(layerProblem('errors.ts', 'db/conninfo.ts')).toMatch(/shared root/);
    expect(layerProblem('migrate/plan/plan.ts', 'index.ts')).toMatch(/only the CLI imports the public API/);
    expect(layerProblem('classify/classify.ts', 'run/options.ts')).toBeNull();
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', []],
    ]);
    expect(circles(graph)).toEqual(['a.ts -> b.ts -> c.ts -> a.ts']);
  });
});
