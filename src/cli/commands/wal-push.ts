import type { Command } from 'commander';
import { DbrollbackError, walPushAhead, DEFAULT_PUSH_AHEAD } from '../../index.js';
import type { CommandRegistrar } from '../registrar.js';

export function registerWalPush(program: Command, registrar: CommandRegistrar): void {
  registrar.action<{ ahead: string }>(
    program
      .command('wal-push')
      .description("archive one WAL file (archive_command = 'dbrollback wal-push %p --storage URL'), and up to --ahead other files the server has marked ready; exit 0 once it is stored")
      .argument('<path>', 'the WAL file (%p)')
      .option('--ahead <n>', `other ready files (pg_wal/archive_status) to push in the same run, each recorded in pg_wal/dbrollback-pushed so the server's call for it returns at once (0: only this file)`, String(DEFAULT_PUSH_AHEAD)),
    async (run, io, opts, args) => {
      const storage = run.storage;
      const ahead = Number(opts.ahead);
      if (!Number.isInteger(ahead) || ahead < 0 || ahead > 256) throw new DbrollbackError('USAGE', `--ahead must be a whole number from 0 to 256 (got ${String(opts.ahead)})`, { hint: 'Leave it out for the default, or pass --ahead 0 to push only the file given.' });
      const result = await walPushAhead(storage, args[0]!, { ahead });
      const pushed = result.pushed;
      // archive_command's output lands in the server log once per segment: quiet unless asked.
      if (pushed) io.debug(`${pushed.created ? 'archived' : 'already archived (identical)'} ${pushed.name}: ${pushed.size} → ${pushed.storedSize} bytes, ${storage.url}`);
      else io.debug(`already archived by an earlier wal-push (marker matched, object present): ${args[0]!}`);
      if (result.ahead.length > 0) io.debug(`also archived ${result.ahead.length} ready file(s) ahead: ${result.ahead.join(', ')}`);
      return { json: { ok: true, ...(pushed ?? {}), fromMarker: result.fromMarker, ahead: result.ahead, failedAhead: result.failedAhead }, human: '' };
    },
  );
}
