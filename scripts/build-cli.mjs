#!/usr/bin/env node
/**
 * Bundle the CLI (src/cli/main.ts) into dist/cli/main.js plus lazily loaded
 * chunks in dist/cli/chunks/. Start-up is most of a short command's wall time,
 * and Node spends it resolving and compiling modules one file at a time: the
 * bundle cuts ~200 files (dbrollback's own, pg, commander, execa, and
 * node-pg-migrate's per-module build) to a handful. Code that is imported
 * lazily stays in its own chunk and is only read when used.
 *
 * Left outside the bundle, resolved from node_modules at run time:
 *   - libpg-query: finds its WASM file next to its own module;
 *   - jiti (node-pg-migrate's migration-file loader): loads its TypeScript
 *     transform from a path relative to itself. It is loaded with require():
 *     its ES module entry imports a 190 kB CommonJS file, which Node first
 *     scans for export names (~15 ms); require() skips the scan;
 *   - @aws-sdk/*: large, only for s3:// storage, and loads optional parts
 *     by name at run time;
 *   - testcontainers, @testcontainers/*: large, only for drills in Docker,
 *     and they load native add-ons (ssh2, cpu-features) esbuild cannot bundle.
 * The library (dist/index.js) is compiled by tsc and not bundled.
 */
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** `import { createJiti } from 'jiti'` becomes a require() of jiti's CommonJS entry (same API). */
const jitiViaRequire = {
  name: 'jiti-via-require',
  setup(b) {
    b.onResolve({ filter: /^jiti$/ }, () => ({ path: 'jiti', namespace: 'jiti-via-require' }));
    b.onLoad({ filter: /.*/, namespace: 'jiti-via-require' }, () => ({
      contents: "import { createRequire } from 'node:module'; export const createJiti = createRequire(import.meta.url)('jiti').createJiti; export default createJiti;",
      loader: 'js',
    }));
  },
};

await rm(path.join(root, 'dist', 'cli', 'chunks'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist/cli',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.11',
  external: ['libpg-query', '@aws-sdk/*', 'testcontainers', '@testcontainers/*'],
  plugins: [jitiViaRequire],
  // CommonJS dependencies call require() for Node's built-ins; an ES module has none.
  banner: { js: "import { createRequire as __dbrollbackCreateRequire } from 'node:module'; const require = __dbrollbackCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
});
