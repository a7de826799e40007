import { Option, type Command } from 'commander';
import { childStorageAccess, DbrollbackError, walPushAhead, runPusher, DEFAULT_PUSH_AHEAD, PUSHED_DIR, PUSHER_LOG } from '../../index.js';
import { selfPusherWorker } from '../pusher-worker.js';
import type { CommandRegistrar } from '../registrar.js';

export function registerWalPush(program: Command, registrar: CommandRegistrar): void {
  registrar.action<{ ahead: string; pusher?: boolean }>(
    program
      .command('wal-push')
      .description("archive one WAL file (archive_command = 'dbrollback wal-push %p --storage URL'); exit 0 once it is stored. Other files the server has marked ready are left to a detached pusher (see --ahead)")
      .argument('<path>', 'the WAL file (%p)')
      .option('--ahead <n>', `0: archive only this file; otherwise, when other files are ready (pg_wal/archive_status), start a detached pusher that stores them, each recorded in pg_wal/dbrollback-pushed so the server's call for it returns at once (its log: pg_wal/dbrollback-pushed/pusher.log)`, String(DEFAULT_PUSH_AHEAD))
      .addOption(new Option('--pusher', 'internal: run as the detached pusher (<path> = the pg_wal directory)').hideHelp()),
    async (run, io, opts, args) => {
      const storage = run.storage;
      const ahead = Number(opts.ahead);
      if (!Number.isInteger(ahead) || ahead < 0 || ahead > 256) throw new DbrollbackError('USAGE', `--ahead must be a whole number from 0 to 256 (got ${String(opts.ahead)})`, { hint: 'Leave it out for the default, or pass --ahead 0 to push only the file given.' });
      if (opts.pusher) {
        const done = await runPusher(storage, args[0]!);
        return { json: { ok: true, ...done }, human: '' };
      }
      const result = await walPushAhead(storage, args[0]!, { ahead, pusher: selfPusherWorker(childStorageAccess(storage)) });
      const pushed = result.pushed;
      // archive_command's output lands in the server log once per segment: quiet unless asked.
      if (pushed) io.debug(`${pushed.created ? 'archived' : 'already archived (identical)'} ${pushed.name}: ${pushed.size} → ${pushed.storedSize} bytes, ${storage.url}`);
      else io.debug(`already archived by an earlier wal-push (marker matched, object present): ${args[0]!}`);
      if (result.pusher) io.debug(`the other ready files are pushed by a detached pusher (${result.pusher}); its log: pg_wal/${PUSHED_DIR}/${PUSHER_LOG}`);
      return { json: { ok: true, ...(pushed ?? {}), fromMarker: result.fromMarker, pusher: result.pusher }, human: '' };
    },
  );
}
