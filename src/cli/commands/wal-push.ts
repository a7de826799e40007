import type { Command } from 'commander';
import { walPush } from '../../index.js';
import type { CommandRegistrar } from '../registrar.js';

export function registerWalPush(program: Command, registrar: CommandRegistrar): void {
  registrar.action(
    program
      .command('wal-push')
      .description("archive one WAL file (archive_command = 'dbrollback wal-push %p --storage URL'); exit 0 once it is stored")
      .argument('<path>', 'the WAL file (%p)'),
    async (run, io, _opts, args) => {
      const storage = run.storage;
      const pushed = await walPush(storage, args[0]!);
      // archive_command's output lands in the server log once per segment: quiet unless asked.
      io.debug(`${pushed.created ? 'archived' : 'already archived (identical)'} ${pushed.name}: ${pushed.size} → ${pushed.storedSize} bytes, ${storage.url}`);
      return { json: { ok: true, ...pushed }, human: '' };
    },
  );
}
