import type { Command } from 'commander';
import { openStorage, walPush } from '../../index.js';
import type { CommandRegistrar } from '../program.js';

export function registerWalPush(program: Command, registrar: CommandRegistrar): void {
  registrar.action(
    program
      .command('wal-push')
      .description("archive one WAL file (archive_command = 'dbrollback wal-push %p --storage URL'); exit 0 once it is stored")
      .argument('<path>', 'the WAL file (%p)'),
    async (config, io, _opts, args) => {
      const storage = openStorage(config.storage, { cwd: config.cwd });
      try {
        const pushed = await walPush(storage, args[0]!);
        // archive_command's output lands in the server log once per segment: quiet unless asked.
        io.debug(`${pushed.created ? 'archived' : 'already archived (identical)'} ${pushed.name}: ${pushed.size} → ${pushed.storedSize} bytes, ${storage.url}`);
        return { json: { ok: true, ...pushed }, human: '' };
      } finally {
        await storage.close();
      }
    },
  );
}
