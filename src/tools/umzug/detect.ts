/**
 * An umzug project: the config module exports its Umzug instance (or a
 * function returning one) as `umzug`. umzug migrations are whatever the
 * instance lists, so the files alone never show it.
 */
import type { DetectMatch, ProjectEvidence } from '../tool.js';

/** The config's `umzug` export (named, or a key of the default export), if any. */
export function findUmzugExport(module: Record<string, unknown> | undefined): unknown {
  if (module === undefined) return undefined;
  if (module.umzug !== undefined) return module.umzug;
  const fallback = module.default;
  return typeof fallback === 'object' && fallback !== null ? (fallback as Record<string, unknown>).umzug : undefined;
}

export async function detectUmzug(evidence: ProjectEvidence): Promise<DetectMatch | null> {
  return findUmzugExport(evidence.configModule) !== undefined ? { by: 'config', reason: 'the config exports `umzug`' } : null;
}
