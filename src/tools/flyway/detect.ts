/** A Flyway location: V<version>__<description>.sql (or R__<description>.sql) files. */
import type { DetectMatch, ProjectEvidence } from '../tool.js';

export const FLYWAY_FILE = /^(V\d[\d._]*__.*|R__.+)\.sql$/;

export async function detectFlyway(evidence: ProjectEvidence): Promise<DetectMatch | null> {
  const named = evidence.files.filter((n) => FLYWAY_FILE.test(n));
  return named.length > 0 ? { by: 'files', reason: `the directory holds Flyway V<version>__<description>.sql files (${named[0]})` } : null;
}
