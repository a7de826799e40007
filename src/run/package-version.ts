/**
 * dbrollback's own version, as its package.json says. The file is read from
 * wherever this module ended up: src/run/ (tests), dist/run/ (the library) or
 * the bundled CLI in dist/cli/ — so the nearest package.json named dbrollback
 * above this file is the one, and the version never drifts from a copy.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageVersion(): string {
  if (cached !== undefined) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'dbrollback' && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      // No package.json here (or not readable): keep climbing.
    }
    const parent = path.dirname(dir);
    if (parent === dir) return (cached = 'unknown');
    dir = parent;
  }
}
