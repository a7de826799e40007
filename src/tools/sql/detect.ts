/** A plain SQL project: its directory holds NNN_name.up.sql / .down.sql files. */
import type { DetectMatch, ProjectEvidence } from '../tool.js';

export async function detectSql(evidence: ProjectEvidence): Promise<DetectMatch | null> {
  const pairs = evidence.files.filter((n) => /\.(up|down)\.sql$/i.test(n));
  return pairs.length > 0 ? { by: 'files', reason: `the directory holds *.up.sql / *.down.sql files (${pairs[0]})` } : null;
}
