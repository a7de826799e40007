/** A Prisma migrations folder: its `migration_lock.toml`, beside `<timestamp>_<name>/migration.sql` folders. */
import type { DetectMatch, ProjectEvidence } from '../tool.js';
import { LOCK_FILE } from './files.js';

export async function detectPrisma(evidence: ProjectEvidence): Promise<DetectMatch | null> {
  if (!evidence.files.includes(LOCK_FILE)) return null;
  const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(await evidence.read(LOCK_FILE))?.[1];
  return { by: 'files', reason: `the directory holds Prisma's ${LOCK_FILE}${provider ? ` (provider ${provider})` : ''}` };
}
