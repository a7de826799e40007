/**
 * The layer order of src/, checked from the import statements so it stays
 * true: a folder imports only from folders below it (and the root helpers
 * errors.ts and compare-strings.ts); the CLI imports only the public API.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../../src');

/** Top to bottom; the README's architecture section lists the same order. */
export const LAYERS = ['cli', 'drill', 'migrate', 'backup', 'verify', 'audit', 'storage', 'fingerprint', 'pgtools', 'db', 'secrets'];
/** Root modules any layer may use. */
const SHARED_ROOT = new Set(['errors.ts', 'compare-strings.ts', 'progress.ts']);
/** Root modules that read settings: only the run (migrate's run context) and above. */
const SETTINGS_ROOT = new Set(['config.ts', 'options.ts']);
/**
 * archive_command / restore_command run once per WAL segment: their short way
 * in loads only the WAL code and the storage driver, not the public API's
 * whole module graph (issue #11).
 */
const CLI_FAST_PATHS = new Set(['cli/archive-entry.ts', 'cli/prefetch-worker.ts']);

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(full)));
    else if (entry.name.endsWith('.ts')) out.push(full);
  }
  return out;
}

function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
}

/** The layer a src-relative path belongs to: its first folder, or the root file's name. */
function layerOf(rel: string): string {
  return rel.includes('/') ? rel.split('/')[0]! : rel;
}

describe('layers', () => {
  it('every import in src/ points down the layer order (or at errors, compare-strings, progress); the CLI uses only the public API', async () => {
    const problems: string[] = [];
    for (const file of await sourceFiles(SRC)) {
      const rel = path.relative(SRC, file).split(path.sep).join('/');
      const from = layerOf(rel);
      for (const spec of importsOf(await readFile(file, 'utf8'))) {
        const target = path.relative(SRC, path.resolve(path.dirname(file), spec)).split(path.sep).join('/').replace(/\.js$/, '.ts');
        const to = layerOf(target);
        if (to === from || SHARED_ROOT.has(to)) continue;
        if (from === 'cli') {
          if (to !== 'index.ts' && !CLI_FAST_PATHS.has(rel)) problems.push(`${rel} imports ${target}: the CLI uses only the public API (src/index.ts)`);
          continue;
        }
        if (SETTINGS_ROOT.has(to)) {
          const allowed = from === 'index.ts' || SETTINGS_ROOT.has(from) || ['drill', 'migrate'].includes(from);
          if (!allowed) problems.push(`${rel} imports ${target}: settings are resolved above ${from} and passed down as handles`);
          continue;
        }
        if (!LAYERS.includes(from) || !LAYERS.includes(to)) continue;
        if (LAYERS.indexOf(to) <= LAYERS.indexOf(from)) problems.push(`${rel} (${from}) imports ${target} (${to}), a layer above it`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('knows every folder of src/', async () => {
    const folders = (await readdir(SRC, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((f) => !LAYERS.includes(f))).toEqual([]);
  });
});
