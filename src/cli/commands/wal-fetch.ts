import { Option, type Command } from 'commander';
import { childStorageAccess, EXIT, isDbrollbackError, walFetch, walPrefetch, DEFAULT_PREFETCH } from '../../index.js';
import { selfPrefetchWorker } from '../prefetch-worker.js';
import type { CommandRegistrar } from '../registrar.js';

interface WalFetchFlags {
  spool?: string;
  prefetch?: number;
  spoolWorker?: boolean;
}

export function registerWalFetch(program: Command, registrar: CommandRegistrar): void {
  registrar.action<WalFetchFlags>(
    program
      .command('wal-fetch')
      .description("restore one archived WAL file (restore_command = 'dbrollback wal-fetch %f %p --storage URL'); exit 1 only when it is not in the archive, 126 when the archive cannot be read")
      .argument('<name>', 'the WAL file name (%f)')
      .argument('<dest>', 'where to write it (%p)')
      .option('--spool <dir>', 'directory for prefetched segments (default: dbrollback-spool beside DEST)')
      .option('--prefetch <n>', `segments to fetch ahead in the background (default ${DEFAULT_PREFETCH}; 0 = off)`, nonNegativeInt)
      .addOption(new Option('--spool-worker', 'internal: run as the background prefetcher (NAME = last fetched, DEST = spool)').hideHelp()),
    async (run, io, opts, args) => {
      const [name, dest] = args as [string, string];
      try {
        const storage = run.storage;
        if (opts.spoolWorker) {
          const done = await walPrefetch(storage, { after: name, count: opts.prefetch ?? DEFAULT_PREFETCH, spoolDir: dest });
          return { json: { ok: true, ...done }, human: '' };
        }
        const fetched = await walFetch(storage, name, dest, {
          spoolDir: opts.spool,
          prefetch: opts.prefetch,
          worker: selfPrefetchWorker(childStorageAccess(storage)),
        });
        io.debug(`restored ${fetched.name} (${fetched.size} bytes${fetched.fromSpool ? ', prefetched' : ''}) to ${fetched.dest}`);
        return { json: { ok: true, ...fetched }, human: '' };
      } catch (err) {
        if (isDbrollbackError(err) && err.code === 'WAL_NOT_FOUND') throw err;
        // Anything but "absent" must stop recovery, never end it (see EXIT.archiveUnavailable).
        return { json: { ok: false }, human: '', error: err, exitCode: EXIT.archiveUnavailable };
      }
    },
  );
}

function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 64) throw new Error(`--prefetch must be a whole number from 0 to 64 (got "${value}")`);
  return Number(value);
}
