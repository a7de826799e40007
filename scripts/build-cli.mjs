#!/usr/bin/env node
/**
 * Build the CLI: the program (src/cli/entry.ts and everything it uses) as one
 * script, dist/cli/chunks/program-HASH.js, and the `bin`, dist/cli/main.js, a
 * small loader that compiles that script with V8's code cache
 * (src/cli/code-cache.ts). Start-up is most of a short command's wall time:
 * the bundle cuts ~200 files (dbrollback's own, pg, commander, execa, and
 * node-pg-migrate's per-module build) to one, and the code cache skips
 * compiling it on every run after a command's first.
 *
 * The program is a script, not a module (vm.Script compiles scripts only):
 * esbuild's CommonJS output, wrapped in a function expression that the loader
 * calls with the CommonJS arguments and an importer. Every dynamic `import()`
 * in it (user migration files and configs, external packages) is rewritten to
 * call that importer, because Node 20 rejects a vm.Script's own `import()`
 * (and, with a code cache, even the main-context loader's). The rewrite finds
 * the calls with acorn, not by text, and keeps every column (the source map
 * stays exact). The script is made ASCII (esbuild escapes code; only
 * comments can hold other characters), so the loader decodes it as latin1.
 *
 * Left outside the bundle, resolved from node_modules at run time:
 *   - libpg-query: finds its WASM file next to its own module;
 *   - jiti (node-pg-migrate's migration-file loader): loads its TypeScript
 *     transform from a path relative to itself; loaded with require();
 *   - @aws-sdk/*: large, only for s3:// storage, and loads optional parts
 *     by name at run time;
 *   - testcontainers, @testcontainers/*: large, only for drills in Docker,
 *     and they load native add-ons (ssh2, cpu-features) esbuild cannot bundle.
 * The library (dist/index.js) is compiled by tsc and not bundled.
 */
import { build } from 'esbuild';
import * as acorn from 'acorn';
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
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

/** What the program's `import()` calls become: as long as `import`, so no column moves. */
const IMPORTER = '__dImp';

await rm(path.join(root, 'dist', 'cli', 'chunks'), { recursive: true, force: true });
const built = await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/entry.ts'],
  outfile: 'dist/cli/chunks/program.js',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.11',
  external: ['libpg-query', '@aws-sdk/*', 'testcontainers', '@testcontainers/*'],
  plugins: [jitiViaRequire],
  define: { 'import.meta.url': '__dbrollbackImportMetaUrl' },
  // One function expression; strict as the ES modules it is built from. The banner is one line and the footer follows the last: the map holds.
  banner: { js: `(function (exports, require, module, __filename, __dirname, ${IMPORTER}) { "use strict"; var __dbrollbackImportMetaUrl = require("node:url").pathToFileURL(__filename).href;` },
  footer: { js: '})' },
  sourcemap: 'linked',
  legalComments: 'linked',
  write: false,
  logLevel: 'warning',
});
const out = (suffix) => built.outputFiles.find((f) => f.path.endsWith(suffix));
let program = out('program.js').text;
if (new RegExp(`\\b${IMPORTER}\\b`).test(program.slice(program.indexOf('\n')))) throw new Error(`build-cli: the program already uses the name ${IMPORTER}`);
program = rewriteImports(program);
const hash = createHash('sha256').update(program).digest('hex').slice(0, 16);
const file = `program-${hash}.js`;
program = program.replace(/\/\/# sourceMappingURL=program\.js\.map\s*$/, `//# sourceMappingURL=${file}.map\n`);
await mkdir(path.join(root, 'dist', 'cli', 'chunks'), { recursive: true });
await writeFile(path.join(root, 'dist', 'cli', 'chunks', file), program);
await writeFile(path.join(root, 'dist', 'cli', 'chunks', `${file}.map`), out('program.js.map').text);
const legal = out('program.js.LEGAL.txt');
if (legal) await writeFile(path.join(root, 'dist', 'cli', 'chunks', `${file}.LEGAL.txt`), legal.text);

// The bin: the loader, with the program's name and hash, and wal-push/wal-fetch's short way in (archive-entry.ts) as a
// chunk of its own, loaded only by them: a WAL segment's archive_command never reads or compiles the program.
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
  define: { __DBROLLBACK_PROGRAM__: JSON.stringify({ file, hash }) },
  // CommonJS dependencies of the short way in call require() for Node's built-ins; an ES module has none.
  banner: { js: "import { createRequire as __dbrollbackCreateRequire } from 'node:module'; const require = __dbrollbackCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
});

/**
 * `import(x)` → `__dImp(x)` at every dynamic import acorn finds; any character
 * outside ASCII must be in a comment (esbuild escapes strings, regexps and
 * identifiers) and becomes "?" per UTF-16 unit, as source maps count.
 */
function rewriteImports(code) {
  const comments = [];
  const ast = acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: false, onComment: (block, text, start, end) => comments.push([start, end]) });
  const starts = [];
  acornWalk(ast, (node) => {
    if (node.type === 'ImportExpression') {
      if (node.options) throw new Error(`build-cli: import() with options at ${node.start} is not supported by the loader's importer`);
      starts.push(node.start);
    }
  });
  const chars = code.split('');
  for (const at of starts) {
    if (code.slice(at, at + 7) !== 'import(') throw new Error(`build-cli: unexpected dynamic import text at ${at}: ${code.slice(at, at + 20)}`);
    chars.splice(at, IMPORTER.length, ...IMPORTER);
  }
  let inComment = 0;
  comments.sort((a, b) => a[0] - b[0]);
  for (let i = 0; i < chars.length; i++) {
    if (chars[i].charCodeAt(0) < 128) continue;
    while (inComment < comments.length && comments[inComment][1] <= i) inComment++;
    const c = comments[inComment];
    if (!c || c[0] > i) throw new Error(`build-cli: a non-ASCII character outside a comment at ${i}: ${code.slice(i - 30, i + 10)}`);
    chars[i] = '?';
  }
  return chars.join('');
}

/** Every node of an acorn tree (acorn-walk is not a dependency; the tree is plain objects). */
function acornWalk(node, visit) {
  const stack = [node];
  while (stack.length) {
    const n = stack.pop();
    visit(n);
    for (const key of Object.keys(n)) {
      const v = n[key];
      if (Array.isArray(v)) for (const x of v) { if (x && typeof x.type === 'string') stack.push(x); }
      else if (v && typeof v.type === 'string' && key !== 'loc') stack.push(v);
    }
  }
}
