/**
 * A Liquibase project: formatted SQL changelogs (a .sql file whose first
 * line is `--liquibase formatted sql`), or an XML/YAML/JSON file whose root
 * is databaseChangeLog.
 */
import type { DetectMatch, ProjectEvidence } from '../tool.js';
import { isStructuredChangelog, STRUCTURED_CHANGELOG } from './changelog-dir.js';
import { isFormattedSql } from './formatted-sql.js';

export async function detectLiquibase(evidence: ProjectEvidence): Promise<DetectMatch | null> {
  for (const name of evidence.files) {
    if (STRUCTURED_CHANGELOG.test(name) && isStructuredChangelog(name, await evidence.read(name))) return { by: 'files', reason: `the directory holds the Liquibase changelog ${name}` };
    if (/\.sql$/i.test(name) && isFormattedSql(await evidence.read(name))) return { by: 'files', reason: `the directory holds a formatted SQL changelog (${name} starts with "--liquibase formatted sql")` };
  }
  return null;
}
