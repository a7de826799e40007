import type { Command } from 'commander';
import { DbrollbackError, undo, type UndoReport } from '../../index.js';
import { formatBytes, type Io } from '../output.js';
import { durationFlag, positiveInt, type CommandRegistrar } from '../program.js';
import { planJson, renderPlan } from './plan.js';
import { progressPrinter } from '../progress.js';
import { downTargetOf, type TargetFlags } from './target.js';

interface UndoFlags extends TargetFlags {
  dryRun?: boolean;
  acceptDataLoss?: boolean;
  backup?: boolean;
  pauseTraffic?: string;
  resumeTraffic?: string;
  lockTimeout?: number;
}

export function registerUndo(program: Command, registrar: CommandRegistrar): void {
  registrar.action<UndoFlags>(
    program
      .command('undo')
      .description('lock → plan → backup → down migrations → verify → resume traffic')
      .option('--count <n>', 'undo the last N applied migrations', positiveInt('--count'))
      .option('--to <name>', 'undo every migration applied after NAME (NAME stays applied)')
      .option('--dry-run', 'print the plan and the SQL the downs would run; change nothing')
      .option('--accept-data-loss', 'allow down migrations that destroy live data')
      .option('--no-backup', 'skip the backup (recorded in the audit trail)')
      .option('--pause-traffic <cmd>', 'shell command run before anything changes')
      .option('--resume-traffic <cmd>', 'shell command run only after verify passes')
      .option('--lock-timeout <duration>', 'how long each down statement may wait for a lock, e.g. 5s or 500ms (default 5s; config lockTimeout)', durationFlag('--lock-timeout')),
    async (config, io, opts) => {
      const target = downTargetOf(opts, null);
      if (target === null) {
        throw new DbrollbackError('USAGE', 'undo needs --count N or --to NAME', { hint: 'e.g. dbrollback undo --count 1 (run `dbrollback plan --count 1` first to see what it does).' });
      }
      const report = await undo(config, {
        target,
        dryRun: opts.dryRun,
        acceptDataLoss: opts.acceptDataLoss,
        noBackup: opts.backup === false,
        pauseTraffic: opts.pauseTraffic ?? config.pauseTraffic,
        resumeTraffic: opts.resumeTraffic ?? config.resumeTraffic,
        confirm: io.interactive ? (p) => io.confirm(`${renderPlan(p)}\n\nUndo ${p.migrations.length} migration(s) on ${p.database}?`) : undefined,
        commandLine: io.commandLine,
        onStep: (line) => io.log(line),
        onProgress: progressPrinter(io),
        lockTimeoutMs: opts.lockTimeout,
      });
      return { json: undoJson(report), human: renderUndo(report, io), ...(report.error ? { error: report.error } : {}) };
    },
  );
}

function undoJson(r: UndoReport) {
  return {
    ok: r.ok,
    outcome: r.outcome,
    plan: r.plan ? planJson(r.plan) : null,
    backupId: r.backupId,
    undone: r.undone,
    notUndone: r.notUndone,
    verify: r.verify ? { ok: r.verify.ok, checks: r.verify.checks.map((c) => ({ id: c.id, status: c.status, detail: c.detail })) } : null,
    steps: r.steps,
    auditKey: r.auditKey,
    ...(r.plan && r.outcome === 'dry-run' ? { downSql: r.plan.migrations.map((m) => ({ name: m.name, source: m.downSql.source, sql: m.downSql.sql, note: m.downSql.note })) } : {}),
    ...(r.error ? { error: r.error.toJSON() } : {}),
  };
}

function renderUndo(r: UndoReport, _io: Io): string {
  const lines: string[] = [];
  if (r.outcome === 'dry-run' && r.plan) {
    lines.push('DRY RUN — nothing was changed.', '', renderPlan(r.plan), '', 'SQL the down migrations would run, in order:');
    for (const m of r.plan.migrations) {
      lines.push('', `-- ${m.name} (${m.downSql.source}${m.downSql.path ? `: ${m.downSql.path}` : ''})`);
      lines.push(m.downSql.sql.trim() === '' ? `-- (unknown: ${m.downSql.note ?? 'no SQL'})` : m.downSql.sql.trim());
      if (m.downSql.note && m.downSql.sql.trim() !== '') lines.push(`-- note: ${m.downSql.note}`);
    }
    return lines.join('\n');
  }
  lines.push('steps:');
  for (const s of r.steps) lines.push(`  ${s.status.padEnd(8)} ${s.name}${s.detail ? ` — ${s.detail}` : ''}${s.durationMs ? ` (${(s.durationMs / 1000).toFixed(1)} s)` : ''}`);
  if (r.undone.length > 0) lines.push(`undone: ${r.undone.join(', ')}`);
  if (r.notUndone.length > 0 && r.outcome !== 'refused') lines.push(`still applied: ${r.notUndone.join(', ')}`);
  if (r.backupId) lines.push(`backup taken before changes: ${r.backupId}`);
  if (r.plan && r.plan.atRisk.rows > 0 && r.ok) lines.push(`data destroyed as accepted: ${r.plan.atRisk.rows} rows/values, ${formatBytes(r.plan.atRisk.bytes)} (in backup ${r.backupId ?? 'none'})`);
  if (r.auditKey) lines.push(`audit record: ${r.auditKey}`);
  if (r.ok) lines.push('', `undo: ok — head is now ${r.plan?.targetHead ?? '(none)'}; verify passed${r.steps.some((s) => s.name === 'resume-traffic' && s.status === 'success') ? '; traffic resumed' : ''}`);
  return lines.join('\n');
}
