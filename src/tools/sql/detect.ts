/**
 * A plain SQL project: its directory holds NNN_name.up.sql / .down.sql files,
 * each down beside the up of its name. A down of a version whose up has
 * another name (or none) is golang-migrate's pairing by version, which this
 * format refuses: such a folder is not claimed.
 */
import { versionOnlyPairing } from '../golang-migrate/detect.js';
import type { DetectMatch, ProjectEvidence } from '../tool.js';

export async function detectSql(evidence: ProjectEvidence): Promise<DetectMatch | null> {
  const pairs = evidence.files.filter((n) => /\.(up|down)\.sql$/i.test(n));
  if (pairs.length > 0 && versionOnlyPairing(pairs) !== null) return null;
  return pairs.length > 0 ? { by: 'files', reason: `the directory holds *.up.sql / *.down.sql files (${pairs[0]})` } : null;
}
