/** A TypeORM project: a DataSource file (data-source.ts and the like) in the working directory's usual places or beside the migrations folder. */
import path from 'node:path';
import type { DetectMatch, ProjectEvidence } from '../tool.js';
import { findDataSourceFile } from './project.js';

export async function detectTypeorm(evidence: ProjectEvidence): Promise<DetectMatch | null> {
  const file = findDataSourceFile(evidence.dir);
  // The data source file is the project's own word on its migration tool, as a knexfile is.
  return file ? { by: 'config', reason: `the project has a TypeORM data source (${path.relative(process.cwd(), file) || file})` } : null;
}
