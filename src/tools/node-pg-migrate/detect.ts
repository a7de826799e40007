/** A node-pg-migrate project: JS/TS migration files, or .sql files in its `-- Up Migration` format. */
import type { DetectMatch, ProjectEvidence } from '../tool.js';
import { UP_MARKER } from './sql-file.js';

export async function detectNodePgMigrate(evidence: ProjectEvidence): Promise<DetectMatch | null> {
  const code = evidence.files.find((n) => /\.(c|m)?(j|t)s$/i.test(n) && !n.endsWith('.d.ts'));
  if (code !== undefined) return { by: 'files', reason: `the directory holds JS/TS migration files (${code})` };
  for (const name of evidence.files.filter((n) => /\.sql$/i.test(n))) {
    if (UP_MARKER.test(await evidence.read(name))) return { by: 'files', reason: `the directory holds .sql files in its "-- Up Migration" format (${name})` };
  }
  return null;
}
