/**
 * The project's policy on pending migrations (`--fail-on`, or `failOn` in the
 * config): classify them as `classify` would, and refuse (exit 4) naming
 * every offending statement and its rule's safe alternative.
 */
import type { ResolvedConfig } from '../../run/config.js';
import { DbrollbackError } from '../../errors.js';
import type { MigrationInfo } from '../../tools/contract.js';
import { classify, classifyInputError } from '../../classify/classify.js';
import type { FailOn } from '../../run/options.js';
import { failingFindings } from '../../classify/classify-sql.js';
import type { Compatibility, DataLoss } from '../../classify/types.js';

export interface PendingVerdict {
  name: string;
  path: string | null;
  compatibility: Compatibility | null;
  dataLoss: DataLoss | null;
  reversible: boolean | null;
  /** Why there is no verdict (a migration without a file). */
  note: string | null;
}

export interface Offence {
  migration: string;
  path: string;
  line: number;
  sql: string;
  rule: string;
  message: string;
  help: string;
}

export interface PolicyResult {
  verdicts: PendingVerdict[];
  offences: Offence[];
}

export async function classifyPending(config: ResolvedConfig, pending: readonly MigrationInfo[], failOn: readonly FailOn[], onLine?: (line: string) => void): Promise<PolicyResult> {
  const withFiles = pending.filter((m) => m.path !== null);
  const result = withFiles.length > 0 ? await classify(config, withFiles.map((m) => m.path!), onLine ? { onProgress: (e) => e.kind === 'message' && onLine(e.text) } : {}) : { files: [], errors: [] };
  // A pending migration PostgreSQL cannot parse is bad input: nothing is applied.
  const invalid = classifyInputError(result);
  if (invalid) throw invalid;
  const byPath = new Map(result.files.map((f) => [f.path, f]));
  const verdicts: PendingVerdict[] = [];
  const offences: Offence[] = [];
  for (const m of pending) {
    const file = m.path !== null ? byPath.get(m.path) : undefined;
    if (!file) {
      verdicts.push({ name: m.name, path: m.path, compatibility: null, dataLoss: null, reversible: null, note: 'no migration file to classify' });
      continue;
    }
    verdicts.push({ name: m.name, path: m.path, compatibility: file.compatibility, dataLoss: file.dataLoss, reversible: file.reversible, note: null });
    for (const { statement, finding } of failingFindings(file.statements, failOn)) {
      offences.push({ migration: m.name, path: file.path, line: statement.line, sql: statement.sql, rule: finding.rule, message: finding.message, help: finding.help });
    }
  }
  return { verdicts, offences };
}

export function policyRefusal(offences: readonly Offence[], failOn: readonly FailOn[]): DbrollbackError {
  const lines = offences.map((o) => `  - ${o.migration} (${o.path}:${o.line}): ${oneLine(o.sql)}\n    ${o.rule}: ${o.message}\n    safe alternative: ${o.help}`);
  return new DbrollbackError('CLASSIFY_FAIL_ON', `refusing to migrate: ${offences.length} statement(s) hit --fail-on ${failOn.join(',')}:\n${lines.join('\n')}`, {
    hint: 'Nothing was applied. Rewrite each statement as its safe alternative says; if the change is intended (a planned contract step), add `-- dbrollback-ignore <rule-id>` above the statement, or run without --fail-on.',
    details: { offences },
  });
}

function oneLine(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat;
}
