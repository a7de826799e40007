/**
 * `dbrollback classify DIR` of a long history: the bin starts the parse worker
 * (src/sql/parse-worker.ts) before it compiles the program. A worker thread
 * takes ~50–150 ms to boot and load the parser; started when classify lists
 * the folder, it was still loading when the first file was to be classified,
 * and the classifying thread waited for it. Started here, it boots beside the
 * program's compile, configuration and detection.
 *
 * Only a guess: a folder given on the command line that lists at least as
 * many .sql files as classify parses ahead. A worker classify does not take
 * (another working directory in the configuration, a tool that reads fewer
 * files) is stopped when the command ends (discardParseWorker).
 */
import { readdirSync } from 'node:fs';
import { PARSE_AHEAD_MIN_FILES, spawnParseWorker, type ParseWorker } from '../sql/parse-worker.js';

const SQL_EXT = /\.sql$/i;

export function earlyParseWorker(argv: readonly string[]): ParseWorker | undefined {
  if (argv[0] !== 'classify') return undefined;
  for (const arg of argv.slice(1)) {
    if (arg.startsWith('-')) continue;
    let names: string[];
    try {
      names = readdirSync(arg);
    } catch {
      continue;
    }
    let sql = 0;
    for (const name of names) if (SQL_EXT.test(name) && ++sql >= PARSE_AHEAD_MIN_FILES) return spawnParseWorker();
  }
  return undefined;
}
