/** plan: the contract's JSON and the text for people. */
import { blockerMessage, type Plan } from '../../index.js';
import { formatBytes, table } from '../output.js';

/** The contract's plan JSON (more fields than the contract names are allowed). */
export function planJson(p: Plan) {
  return {
    type: p.type,
    reasons: p.reasons,
    recommendation: p.recommendation,
    migrator: p.migrator,
    database: p.database,
    head: p.head,
    targetHead: p.targetHead,
    staysApplied: p.staysApplied,
    migrations: p.migrations.map((m) => ({
      name: m.name,
      appliedAt: m.appliedAt,
      down: m.down,
      ...(m.downNote ? { downNote: m.downNote } : {}),
      compatibility: m.compatibility,
      dataLoss: m.dataLoss,
      reversible: m.reversible,
      rules: m.rules,
      atRisk: m.atRisk,
      blockers: m.blockers,
      notes: m.notes,
      ...(m.downWritesCatalog ? { downWritesCatalog: m.downWritesCatalog } : {}),
      downSql: { sql: m.downSql.sql, source: m.downSql.source, note: m.downSql.note },
    })),
    atRisk: p.atRisk,
    atRiskUnknown: p.atRiskUnknown,
    toolHasDowns: p.toolHasDowns,
    touchedTables: p.touchedTables,
    restoreFrom: p.restoreFrom,
    archive: p.archive,
    restoreRoutes: p.restoreRoutes,
    tableRouteNote: p.tableRouteNote,
    pitrUnreachable: p.pitrUnreachable,
    steps: p.steps,
    capture: p.capture,
    roundTrip: p.roundTrip ? { source: p.roundTrip.source, ok: p.roundTrip.ok, differences: p.roundTrip.differences, note: p.roundTrip.note, durationMs: p.roundTrip.durationMs, cached: p.roundTrip.cached } : null,
    ...(p.safetyBackup ? { safetyBackup: p.safetyBackup } : {}),
  };
}

/** One line per reason, naming the migrations the undo leaves applied (Flyway's repeatables). */
export function staysAppliedLines(p: Pick<Plan, 'staysApplied'>): string[] {
  const byNote = new Map<string, string[]>();
  for (const m of p.staysApplied) byNote.set(m.note, [...(byNote.get(m.note) ?? []), m.name]);
  return [...byNote].map(([note, names]) => `stays applied: ${names.join(', ')} — ${note}`);
}

export function renderPlan(p: Plan): string {
  const lines = [`rollback type: ${p.type.toUpperCase()}  (${p.database}: head ${p.head ?? '(none)'} → ${p.targetHead ?? '(none)'})`];
  for (const reason of p.reasons) lines.push(`  - ${reason}`);
  lines.push('', p.recommendation);
  if (p.migrations.length > 0) {
    lines.push(
      '',
      table(
        ['migration (newest first)', 'compat', 'data loss', 'down', 'at risk'],
        p.migrations.map((m) => [
          m.name,
          m.compatibility ?? 'unknown',
          m.dataLoss ?? 'unknown',
          p.toolHasDowns ? m.down : 'none (restore)',
          m.atRisk === null ? 'unknown' : m.atRisk.rows === 0 ? 'none' : `${m.atRisk.rows} rows/values, ${formatBytes(m.atRisk.bytes)}`,
        ]),
      ),
    );
    const risky = p.migrations.flatMap((m) => (m.atRisk?.objects ?? []).filter((o) => o.rows > 0).map((o) => ({ m, o })));
    if (risky.length > 0) {
      lines.push('', 'data the down migrations would destroy:');
      for (const { m, o } of risky) {
        const derived = o.derived && o.derived.rows > 0 ? ` (${o.derived.rows === o.rows ? 'all' : o.derived.rows} derived: computed by the migration, recomputable)` : '';
        lines.push(`  ${m.name}: ${o.action} ${o.name} — ${o.upperBound ? 'up to ' : ''}${o.rows} ${o.column ? (o.rows === 1 ? 'non-null value' : 'non-null values') : o.rows === 1 ? 'row' : 'rows'}, ${formatBytes(o.bytes)}${derived}`);
      }
    }
    const failing = p.migrations.flatMap((m) => (m.blockers ?? []).filter((b) => (b.violations ?? 0) > 0).map((b) => ({ m, b })));
    if (failing.length > 0) {
      lines.push('', 'the down migrations would FAIL on rows the database holds now (undo refuses):');
      for (const { m, b } of failing) lines.push(`  ${m.name} (line ${b.line}): ${blockerMessage(b)}`, `    rows: ${b.query}`);
    }
    const unchecked = p.migrations.flatMap((m) => (m.blockers ?? []).filter((b) => b.violations === null).map((b) => ({ m, b })));
    for (const { m, b } of unchecked) lines.push(`note: the down of ${m.name} adds ${b.what} to ${b.table} (line ${b.line}); its rows were not checked: ${b.unchecked}`);
    for (const note of p.migrations.flatMap((m) => m.notes)) lines.push(`note: ${note}`);
  }
  for (const line of staysAppliedLines(p)) lines.push(line);
  const rt = p.roundTrip;
  if (rt) {
    const how = rt.source === 'record' ? 'against the schema recorded before each migration' : rt.source === 'rehearsal' ? `rehearsed in a throwaway database${rt.cached ? ', from the local cache' : ''}` : 'not checked';
    const seconds = (rt.durationMs / 1000).toFixed(1);
    if (rt.ok === true && rt.source === 'record') lines.push('', `schema round trip (${how}, ${seconds} s): no difference — nothing a down drops or resets existed before its migration; after the undo the verify gate compares the whole schema with the record`);
    else if (rt.ok === true) lines.push('', `schema round trip (${how}, ${seconds} s): exact — the downs bring back every object as it was`);
    else if (rt.ok === null) lines.push('', `schema round trip (${how}): not proven — ${rt.note ?? 'unknown reason'}`);
    else {
      lines.push('', `schema round trip (${how}, ${seconds} s): ${rt.differences.length} difference(s) — undo refuses them without --accept-schema-difference:`);
      for (const d of rt.differences) lines.push(`  ${d.message}`);
    }
  }
  lines.push('', 'steps:');
  p.steps.forEach((s, i) => lines.push(`  ${i + 1}. ${s.action}: ${s.detail}`));
  return lines.join('\n');
}
