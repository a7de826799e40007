#!/usr/bin/env node
/**
 * The `dbrollback` bin: a small loader. The program (src/cli/entry.ts and all
 * it uses) is one pre-built script beside this file, compiled with V8's code
 * cache from the same command's earlier run (code-cache.ts): most of a short
 * command's wall time is Node compiling the program, which Node 20 cannot cache
 * for ES modules.
 */
import './wasm-baseline.js';
import { fileURLToPath } from 'node:url';
import { trace } from '../trace.js';
import type { StartedEarly } from './entry.js';

/** Set by scripts/build-cli.mjs: the program script's file name (in ./chunks/) and content hash. */
declare const __DBROLLBACK_PROGRAM__: { file: string; hash: string };

trace('cli: loader started');
// Output a user sees is the tool's own: the AWS SDK's notice about future Node.js majors is not something an on-call
// engineer can act on mid-incident, nor a line to add to the server's log at every WAL segment wal-push archives.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const argv = process.argv.slice(2);
// archive_command / restore_command run once per WAL segment: they take a short way in of their own (archive-entry.ts,
// its own small chunk), never the whole program — a wal-push's peak memory is its start-up's (issue #23: ≤ 50 MB).
const archiveCode = argv[0] === 'wal-push' || argv[0] === 'wal-fetch' ? await (await import('./archive-entry.js')).runArchiveCommand(argv) : null;
if (archiveCode !== null) {
  trace('cli: command done');
  process.exitCode = archiveCode;
} else {
  // A long history's classify: its parse worker boots while the program compiles (early-parse.ts).
  const parseWorker = argv[0] === 'classify' ? (await import('./early-parse.js')).earlyParseWorker(argv) : undefined;
  const { loadProgram } = await import('./code-cache.js');
  const program = loadProgram(
    { path: fileURLToPath(new URL(`./chunks/${__DBROLLBACK_PROGRAM__.file}`, import.meta.url)), hash: __DBROLLBACK_PROGRAM__.hash },
    argv,
    // The program's import() calls land here: resolved as from this module, beside the program's directory.
    (specifier) => import(specifier),
  );
  trace(`cli: program compiled (code cache ${program.outcome})`);
  const { main } = program.exports as { main: (argv: string[], commandDone: (code: number) => void, started?: StartedEarly) => Promise<void> };
  await main(
    argv,
    (code) => {
      if (program.save(code === 0)) trace('cli: code cache written');
    },
    { parseWorker },
  );
}
