/** A Sqitch project: the migrations directory holds sqitch.plan (and usually sqitch.conf). */
import type { DetectMatch, ProjectEvidence } from '../tool.js';

export async function detectSqitch(evidence: ProjectEvidence): Promise<DetectMatch | null> {
  if (evidence.files.includes('sqitch.plan')) return { by: 'files', reason: 'the directory holds sqitch.plan' };
  if (evidence.files.includes('sqitch.conf')) return { by: 'files', reason: 'the directory holds sqitch.conf' };
  return null;
}
