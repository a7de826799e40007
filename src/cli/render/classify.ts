/** Human rendering of a classification: one block per file, one line per statement. */
import path from 'node:path';
import type { ClassifyResult, FileVerdict, StatementVerdict } from '../../index.js';

export function formatClassifyReport(result: Pick<ClassifyResult, 'files' | 'failures' | 'failOn' | 'errors'> & Partial<Pick<ClassifyResult, 'readAs'>>, cwd = process.cwd()): string {
  const lines: string[] = [];
  for (const r of result.readAs ?? []) lines.push(`${path.relative(cwd, r.path) || r.path}: read as ${r.migrator} — ${r.reason}`, '');
  for (const file of result.files) {
    lines.push(fileHeader(file, cwd));
    const rows = file.statements.map((s) => statementRow(s));
    const widths = [4, 10, 11, 22, 7, 5].map((w, i) => Math.max(w, ...rows.map((r) => r[i]!.length)));
    lines.push(`  ${['line', 'compat', 'data loss', 'lock', 'rewrite', 'rules'].map((h, i) => h.padEnd(widths[i]!)).join('  ')}  statement`);
    for (const [i, s] of file.statements.entries()) {
      const row = rows[i]!;
      lines.push(`  ${row.slice(0, 6).map((c, j) => c.padEnd(widths[j]!)).join('  ')}  ${oneLine(s.sql)}`);
      for (const f of s.findings) lines.push(`        ${f.rule}: ${f.message}`);
    }
    if (file.down && file.down.kind !== 'yes') lines.push(`  down: ${file.down.kind}${file.down.note ? ` (${file.down.note})` : ''}`);
    for (const d of file.down?.roundTrip ?? []) lines.push(`  down, run in a scratch database: ${d}`);
    if (file.down?.dropsOtherIndexes) lines.push(`  down: drops ${file.down.dropsOtherIndexes.join(', ')}, which its up did not create: undo would leave ${file.down.dropsOtherIndexes.length === 1 ? 'it' : 'them'} missing (an earlier migration's)`);
    if (file.down?.dropsExisting) lines.push(`  down: drops ${file.down.dropsExisting.join(', ')}, which its up did not create: undo would destroy data that existed before the migration`);
    for (const d of file.catalog?.disagreements ?? []) lines.push(`  catalog: ${d}`);
    lines.push('');
  }
  const counts = { breaking: 0, destructive: 0, rewrite: 0 };
  for (const f of result.files) {
    if (f.compatibility === 'breaking') counts.breaking++;
    if (f.dataLoss === 'destructive') counts.destructive++;
    if (f.dataLoss === 'rewrite') counts.rewrite++;
  }
  lines.push(`classify: ${result.files.length} file(s) — ${counts.breaking} breaking, ${counts.destructive} destructive, ${counts.rewrite} rewriting data`);
  // Each one is named in the error printed after the report (stderr).
  if (result.errors.length > 0) lines.push(`could not classify ${result.errors.length} file(s): ${result.errors.map((e) => path.relative(cwd, e.path) || e.path).join(', ')}`);
  if (result.failOn.length > 0) {
    lines.push(
      result.failures.length === 0
        ? `--fail-on ${result.failOn.join(',')}: passed`
        : `--fail-on ${result.failOn.join(',')}: FAILED (${result.failures.length} finding(s): ${[...new Set(result.failures.map((f) => f.rule))].join(', ')})`,
    );
  }
  return lines.join('\n');
}

function fileHeader(file: FileVerdict, cwd: string): string {
  const rel = path.relative(cwd, file.path) || file.path;
  const reversible = file.reversible === null ? 'reversible: unknown' : file.reversible ? 'reversible' : 'IRREVERSIBLE';
  const extra = [file.rewritesTable ? 'rewrites a table' : '', file.transactional ? '' : 'not transactional', file.source === 'captured' ? `SQL captured from ${file.kind}` : '']
    .filter(Boolean)
    .join(', ');
  return `${rel}: ${file.compatibility}, data loss ${file.dataLoss}, ${reversible}${file.lock ? `, lock ${file.lock}` : ''}${extra ? ` (${extra})` : ''}`;
}

function statementRow(s: StatementVerdict): string[] {
  const rules = [...s.findings.map((f) => f.rule), ...s.suppressed.map((f) => `(${f.rule})`)];
  return [String(s.line), s.compatibility, s.dataLoss, s.lock ?? '-', s.rewritesTable ? 'yes' : '-', rules.join(',') || '-'];
}

function oneLine(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}
