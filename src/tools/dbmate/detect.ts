/** A dbmate project: `.sql` files holding a `-- migrate:up` line. */
import type { DetectMatch, ProjectEvidence } from '../tool.js';
import { DBMATE_FILE } from './files.js';

const UP_LINE = /^--\s*migrate:up(\s|$)/m;

export async function detectDbmate(evidence: ProjectEvidence): Promise<DetectMatch | null> {
  for (const name of evidence.files.filter((n) => DBMATE_FILE.test(n))) {
    if (UP_LINE.test(await evidence.read(name))) return { by: 'files', reason: `the directory holds .sql files with "-- migrate:up" / "-- migrate:down" blocks (${name})` };
  }
  return null;
}
