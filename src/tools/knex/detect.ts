/** A Knex project: a knexfile in the working directory (where the knex CLI looks for it) or beside the migrations directory. */
import path from 'node:path';
import type { DetectMatch, ProjectEvidence } from '../tool.js';
import { findKnexfile } from './project.js';

export async function detectKnex(evidence: ProjectEvidence): Promise<DetectMatch | null> {
  const knexfile = findKnexfile(evidence.dir);
  // The knexfile is the project's own word on its migration tool, as a config naming umzug is.
  return knexfile ? { by: 'config', reason: `the project has a knexfile (${path.relative(process.cwd(), knexfile) || knexfile})` } : null;
}
