/**
 * A larger stdout buffer for a PostgreSQL program whose output dbrollback
 * reads as a stream (a backup's pg_dump). pg_dump writes its archive through
 * stdio, whose buffer for a pipe is 4 KiB: an 8 MiB dump reached node in
 * ~1,300 reads, each a wake-up of the event loop and a pass through the
 * stream stages — ~150 ms of node's CPU per dump at pgbench scale 30, on a
 * machine whose cores pg_dump and the server need at that moment
 * (bench/README.md, "Fixed costs of a backup"). coreutils' `stdbuf -o 1M`
 * gives the program a 1 MiB stdout buffer: the same bytes, 64 KiB per read.
 *
 * Only where it is known to work: `stdbuf` on PATH, and the program started
 * through it once (`--version`, while the backup's connection opens) answers
 * its own version. Otherwise — no coreutils (macOS, BusyBox), a statically
 * linked program, anything unexpected — the program runs as it is, with the
 * same output; nothing depends on the buffer's size.
 */
import { outputOf, parseToolVersion, type PgBinary } from './binaries.js';
import { onPath } from './on-path.js';

/** The buffer stdbuf is asked for. */
export const OUTPUT_BUFFER = '1M';

const checked = new Map<string, Promise<readonly string[] | null>>();

/**
 * The command to start `binary` through so that its stdout is written in large pieces
 * (`[stdbuf, '-o', '1M']`), or null to start it directly. Checked once per binary and PATH.
 */
export function largeOutputBuffer(binary: PgBinary, env: NodeJS.ProcessEnv = process.env): Promise<readonly string[] | null> {
  const key = `${binary.path}\0${env.PATH ?? ''}`;
  let found = checked.get(key);
  if (!found) {
    found = check(binary, env);
    checked.set(key, found);
  }
  return found;
}

async function check(binary: PgBinary, env: NodeJS.ProcessEnv): Promise<readonly string[] | null> {
  const stdbuf = await onPath('stdbuf', env, { absoluteDirsOnly: true });
  if (stdbuf === null) return null;
  const via = [stdbuf, '-o', OUTPUT_BUFFER];
  const answer = await outputOf(stdbuf, [...via.slice(1), binary.path, '--version'], env);
  return answer !== undefined && parseToolVersion(answer)?.version === binary.version ? via : null;
}
