/**
 * The SQL parser is WebAssembly (libpg-query). By default V8 compiles its hot
 * functions a second time with its optimising compiler on background threads,
 * and a process cannot exit before those compile jobs finish: a short
 * `classify` spent ~100 ms after its last line waiting for code it would never
 * run, and 1,000 files took ~0.2 s more CPU. Parse-sized inputs run as fast
 * on V8's baseline WebAssembly code (bench/classify-squawk.mjs), so the CLI
 * (never the library: the flags are process-wide) keeps to it. Set before
 * anything compiles WebAssembly.
 *
 * The same holds for JavaScript, less starkly: V8 sends a function to its
 * optimising compiler (TurboFan, on background threads) once it has run
 * ~66 KB of bytecode, and a CLI run is too short to earn most of those
 * compiles back. On a 1,000-file classify they cost ~0.3 s of CPU on the
 * background threads — on a 2-core machine, a core the parsing worker and the
 * main thread need — for ~60 ms less on the main thread. A budget ~8 times
 * larger optimises only the truly hot functions: the main thread's CPU is
 * ~20 ms more, the process's ~0.2 s less and the wall time ~20 % less under
 * load (bench/README.md, "Issue #22 part 4, fourth round"). A long run (a
 * backup, wal-push) still optimises its hot loops, a little later.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--liftoff-only');
setFlagsFromString('--interrupt-budget=524288');
