/** A drizzle-kit migrations folder: `meta/_journal.json` beside `NNNN_name.sql` files. */
import type { DetectMatch, ProjectEvidence } from '../tool.js';
import { JOURNAL } from './journal.js';

export async function detectDrizzle(evidence: ProjectEvidence): Promise<DetectMatch | null> {
  const sql = evidence.files.find((n) => /^\d+_.+\.sql$/.test(n));
  if (sql === undefined) return null;
  const journal = await evidence.read(JOURNAL);
  if (!/"entries"\s*:/.test(journal) || !/"dialect"\s*:\s*"postgresql"/.test(journal)) return null;
  return { by: 'files', reason: `the directory holds drizzle-kit's meta/_journal.json and its SQL files (${sql})` };
}
