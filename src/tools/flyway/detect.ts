/** A Flyway location: V<version>__<description>.sql (or R__<description>.sql) files, or as the project's Flyway configuration names them. */
import type { DetectMatch, ProjectEvidence } from '../tool.js';
import { configOrDefaults } from './config.js';
import { readName } from './names.js';

export async function detectFlyway(evidence: ProjectEvidence): Promise<DetectMatch | null> {
  const naming = configOrDefaults().naming;
  const named = evidence.files.filter((n) => {
    const read = readName(n, naming);
    return read.kind === 'migration' && read.name.kind !== 'undo';
  });
  if (named.length === 0) return null;
  const form = `${naming.versionedPrefix}<version>${naming.separator}<description>${naming.suffixes[0]}`;
  return { by: 'files', reason: `the directory holds Flyway ${form} files (${named[0]})` };
}
