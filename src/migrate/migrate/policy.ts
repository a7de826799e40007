/**
 * The project's policy on pending migrations (`--fail-on`, or `failOn` in the
 * config): classify them as `classify` would, and refuse (exit 4) naming
 * every offending statement and its rule's safe alternative.
 *
 * A pending migration without a file of its own (a Liquibase XML/YAML/JSON
 * changeset) is classified, under a policy, from the SQL its tool generates
 * for it (the adapter's generatedUps: what classify and plan read too), each
 * changeset on its own. When that SQL cannot be had, a policy cannot be
 * checked: the run is refused (exit 4) saying why, never let through.
 */
import type { ResolvedConfig } from '../../run/config.js';
import { DbrollbackError } from '../../errors.js';
import type { GeneratedUp, MigrationInfo, MigratorAdapter } from '../../tools/contract.js';
import { classify, classifyInputError } from '../../classify/classify.js';
import type { FailOn } from '../../run/options.js';
import { classifySql, failingFindings } from '../../classify/classify-sql.js';
import type { Compatibility, DataLoss } from '../../classify/types.js';

export interface PendingVerdict {
  name: string;
  path: string | null;
  compatibility: Compatibility | null;
  dataLoss: DataLoss | null;
  reversible: boolean | null;
  /** Why there is no verdict (a migration without a file). */
  note: string | null;
  /** A migration classified from the SQL its tool generates (a Liquibase changeset): where it is defined, and who generated the SQL. */
  changeSet?: GeneratedUp['changeSet'];
  generatedBy?: string;
}

export interface Offence {
  migration: string;
  path: string;
  line: number;
  sql: string;
  rule: string;
  message: string;
  help: string;
  /** For SQL the tool generated (path is then the changeset's file, line the line in that SQL). */
  changeSet?: GeneratedUp['changeSet'];
  generatedBy?: string;
  /** For a code migration whose SQL was captured by running it (Knex, TypeORM, umzug): the tool; `line` is then the line in that SQL. */
  capturedBy?: string;
}

export interface PolicyResult {
  verdicts: PendingVerdict[];
  offences: Offence[];
}

export async function classifyPending(
  config: ResolvedConfig,
  pending: readonly MigrationInfo[],
  failOn: readonly FailOn[],
  onLine?: (line: string) => void,
  adapter?: Pick<MigratorAdapter, 'kind' | 'generatedUps'>,
): Promise<PolicyResult> {
  const withFiles = pending.filter((m) => m.path !== null);
  const result = withFiles.length > 0 ? await classify(config, withFiles.map((m) => m.path!), onLine ? { onProgress: (e) => e.kind === 'message' && onLine(e.text) } : {}) : { files: [], errors: [] };
  // A pending migration PostgreSQL cannot parse is bad input: nothing is applied.
  const invalid = classifyInputError(result);
  if (invalid) throw invalid;
  const generated = await generatedUps(pending, failOn, adapter);
  const byPath = new Map(result.files.map((f) => [f.path, f]));
  const verdicts: PendingVerdict[] = [];
  const offences: Offence[] = [];
  for (const m of pending) {
    const gen = generated.get(m.name);
    if (gen) {
      const c = gen.written
        ? await classifySql(gen.sql, { source: gen.written.path, firstLine: gen.written.line, inTransaction: gen.inTransaction })
        : await classifySql(gen.sql, { source: `${gen.changeSet.filename}::${gen.changeSet.id}::${gen.changeSet.author}`, inTransaction: gen.inTransaction });
      const more = { changeSet: gen.changeSet, generatedBy: gen.generatedBy };
      verdicts.push({ name: m.name, path: m.path, compatibility: c.compatibility, dataLoss: c.dataLoss, reversible: c.reversible, note: null, ...more });
      for (const { statement, finding } of failingFindings(c.statements, failOn)) {
        // SQL written in a file: the offence is that file's line, and a `-- dbrollback-ignore` there takes it back.
        const at = gen.written ? { path: gen.written.path } : { path: gen.changeSet.filename, ...more };
        offences.push({ migration: m.name, line: statement.line, sql: statement.sql, rule: finding.rule, message: finding.message, help: finding.help, ...at });
      }
      continue;
    }
    const file = m.path !== null ? byPath.get(m.path) : undefined;
    if (!file) {
      verdicts.push({ name: m.name, path: m.path, compatibility: null, dataLoss: null, reversible: null, note: 'no migration file to classify' });
      continue;
    }
    verdicts.push({ name: m.name, path: m.path, compatibility: file.compatibility, dataLoss: file.dataLoss, reversible: file.reversible, note: null });
    for (const { statement, finding } of failingFindings(file.statements, failOn)) {
      offences.push({ migration: m.name, path: file.path, line: statement.line, sql: statement.sql, rule: finding.rule, message: finding.message, help: finding.help, ...(file.source === 'captured' ? { capturedBy: file.kind } : {}) });
    }
  }
  return { verdicts, offences };
}

/**
 * Under a policy, the SQL the tool generates for the pending migrations without a file; a
 * failure to get it refuses the run (the policy cannot be checked), naming the migrations.
 */
async function generatedUps(pending: readonly MigrationInfo[], failOn: readonly FailOn[], adapter: Pick<MigratorAdapter, 'kind' | 'generatedUps'> | undefined): Promise<Map<string, GeneratedUp>> {
  const without = pending.filter((m) => m.path === null).map((m) => m.name);
  if (failOn.length === 0 || without.length === 0 || !adapter?.generatedUps) return new Map();
  let found: Map<string, GeneratedUp>;
  try {
    found = await adapter.generatedUps(without);
  } catch (err) {
    const cause = err as Error;
    const hint = err instanceof DbrollbackError && err.hint ? `${err.hint} ` : '';
    throw new DbrollbackError(
      'CLASSIFY_FAIL_ON',
      `refusing to migrate: --fail-on ${failOn.join(',')} cannot be checked, because ${adapter.kind} could not generate the SQL of ${without.length} pending migration(s) without a file of their own (${without.join(', ')}): ${cause.message}. Nothing was applied.`,
      {
        hint: `${hint}Then run migrate again; \`dbrollback classify\` on the changelog shows the same verdicts. Without --fail-on (and failOn in the config) migrate runs them unclassified.`,
        cause: err,
        details: { unclassified: without },
      },
    );
  }
  const missed = without.filter((name) => !found.has(name));
  if (missed.length > 0) {
    throw new DbrollbackError('CLASSIFY_FAIL_ON', `refusing to migrate: --fail-on ${failOn.join(',')} cannot be checked for ${missed.join(', ')}: ${adapter.kind} generated no SQL for them (they have no file of their own). Nothing was applied.`, {
      hint: `Run \`dbrollback classify\` on the root changelog to see the SQL ${adapter.kind} prints for each changeset; without --fail-on (and failOn in the config) migrate runs them unclassified.`,
      details: { unclassified: missed },
    });
  }
  return found;
}

export function policyRefusal(offences: readonly Offence[], failOn: readonly FailOn[]): DbrollbackError {
  const lines = offences.map((o) => `  - ${o.migration} (${where(o)}): ${oneLine(o.sql)}\n    ${o.rule}: ${o.message}\n    safe alternative: ${o.help}`);
  return new DbrollbackError('CLASSIFY_FAIL_ON', `refusing to migrate: ${offences.length} statement(s) hit --fail-on ${failOn.join(',')}:\n${lines.join('\n')}`, {
    hint: offences.some((o) => o.capturedBy)
      ? `Nothing was applied. Rewrite each migration so it sends the safe alternative its finding gives; if the change is intended (a planned contract step), run without --fail-on: the SQL a code migration sends (${[...new Set(offences.flatMap((o) => (o.capturedBy ? [o.capturedBy] : [])))].join(', ')}) has no place for a \`-- dbrollback-ignore <rule-id>\` comment, which only .sql files take.`
      : offences.some((o) => o.changeSet)
      ? 'Nothing was applied. Rewrite each statement (or the changeset that generates it) as its safe alternative says; if the change is intended (a planned contract step), add `-- dbrollback-ignore <rule-id>` above the statement in a .sql file, or run without --fail-on (a changeset whose SQL Liquibase generates has no place for that comment).'
      : 'Nothing was applied. Rewrite each statement as its safe alternative says; if the change is intended (a planned contract step), add `-- dbrollback-ignore <rule-id>` above the statement, or run without --fail-on.',
    details: { offences },
  });
}

function where(o: Offence): string {
  // A line of the captured SQL, not of the migration's source file.
  if (o.capturedBy) return `${o.path}; line ${o.line} of the SQL ${o.capturedBy} sent for it`;
  if (!o.changeSet) return `${o.path}:${o.line}`;
  return `changeset ${o.changeSet.id} by ${o.changeSet.author} in ${o.changeSet.filename}; line ${o.line} of the SQL ${o.generatedBy ?? 'the tool'} generates for it`;
}

function oneLine(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat;
}
