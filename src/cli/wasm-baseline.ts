/**
 * The SQL parser is WebAssembly (libpg-query). By default V8 compiles its hot
 * functions a second time with its optimising compiler on background threads,
 * and a process cannot exit before those compile jobs finish: a short
 * `classify` spent ~100 ms after its last line waiting for code it would never
 * run, and 1,000 files took ~0.2 s more CPU. Parse-sized inputs run as fast
 * on V8's baseline WebAssembly code (bench/classify-squawk.mjs), so the CLI
 * (never the library: the flag is process-wide) keeps to it. Set before
 * anything compiles WebAssembly.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--liftoff-only');
