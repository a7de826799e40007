/** Pure parts of drills: exit codes, JUnit XML, the human report, schema comparison by name, server settings on a command line. */
import { describe, expect, it } from 'vitest';
import { drillExitCode, type DrillReport } from '../../../src/drill/drill.js';
import { drillJunit } from '../../../src/drill/junit.js';
import { diffLogical, LogicalIds } from '../../../src/db/schema/logical.js';
import { settingsArgs } from '../../../src/drill/providers/testcontainers.js';
import { formatDrillReport } from '../../../src/cli/render/drill.js';
import type { ScenarioResult } from '../../../src/drill/scenarios/scenario.js';
import type { SchemaSnapshot } from '../../../src/db/schema/snapshot.js';

function scenario(name: ScenarioResult['name'], status: ScenarioResult['status'], steps: ScenarioResult['steps'] = []): ScenarioResult {
  return { name, status, durationMs: 1200, detail: `${name} ${status}`, steps, facts: {} };
}

function report(scenarios: ScenarioResult[]): DrillReport {
  return { ok: scenarios.every((s) => s.status === 'pass' || s.status === 'skip'), provider: 'local', providerReason: 'asked for', where: '/usr/lib/postgresql/15/bin', serverVersion: '15.8', providerStartMs: 1500, totalMs: 4000, scenarios };
}

describe('drill exit codes', () => {
  it('0 when everything passed or was skipped, 3 when a drill found a problem, 1 when one could not run (a finding wins)', () => {
    expect(drillExitCode(report([scenario('migrations', 'pass'), scenario('pitr', 'skip')]))).toBe(0);
    expect(drillExitCode(report([scenario('migrations', 'error'), scenario('restore', 'pass')]))).toBe(1);
    expect(drillExitCode(report([scenario('migrations', 'error'), scenario('restore', 'fail')]))).toBe(3);
  });
});

describe('JUnit XML', () => {
  it('has one test case per step, failures and errors with their message, escaped', () => {
    const xml = drillJunit(
      report([
        scenario('migrations', 'fail', [
          { name: 'up 001_a', status: 'pass', durationMs: 250, detail: '' },
          { name: 'down 001_a', status: 'fail', durationMs: 40, detail: 'column public.t."x<y>" added & "kept"\nsecond line' },
          { name: 'up again 001_a', status: 'not-run', durationMs: 0, detail: '' },
        ]),
        scenario('restore', 'error', [{ name: 'restore', status: 'error', durationMs: 5, detail: 'no \u0001 control' }]),
      ]),
    );
    expect(xml).toContain('<testsuites name="dbrollback drill" tests="4" failures="1" errors="1" skipped="1" time="4.000">');
    expect(xml).toContain('<testcase classname="drill.migrations" name="up 001_a" time="0.250"/>');
    expect(xml).toContain('<failure message="column public.t.&quot;x&lt;y&gt;&quot; added &amp; &quot;kept&quot;">column public.t."x&lt;y&gt;" added &amp; "kept"\nsecond line</failure>');
    expect(xml).toContain('name="up again 001_a" time="0.000"><skipped message="not run: an earlier step stopped the scenario"/>');
    expect(xml).toContain('<error message="no ? control">');
    expect(xml.match(/<testcase /g)).toHaveLength(4);
  });
});

describe('human report', () => {
  it('shows the provider, timings, and the steps of a scenario that did not pass', () => {
    const text = formatDrillReport(
      report([
        scenario('migrations', 'fail', [
          { name: 'up 001_a', status: 'pass', durationMs: 250, detail: '' },
          { name: 'down 001_a', status: 'fail', durationMs: 40, detail: 'column public.t.x added (text)' },
        ]),
        scenario('restore', 'pass', [{ name: 'restore', status: 'pass', durationMs: 900, detail: 'ok' }]),
      ]),
    );
    expect(text).toContain('drill on local (asked for): /usr/lib/postgresql/15/bin, PostgreSQL 15.8');
    expect(text).toContain('provider start 1.5 s, total 4.0 s');
    expect(text).toContain('FAIL down 001_a (40 ms): column public.t.x added (text)');
    expect(text).not.toContain('ok   restore (900 ms)');
    expect(text.split('\n').at(-1)).toBe('drill found 1 problem(s)');
  });

  it('counts every failed step of a --keep-going walk as a problem, not its one scenario', () => {
    const failed = (name: string) => ({ name, status: 'fail' as const, durationMs: 30, detail: `${name} found something` });
    const walk = scenario('migrations', 'fail', [failed('up 009_b'), failed('down 006_a')]);
    const text = formatDrillReport(report([walk, scenario('pitr', 'error', [{ name: 'prepare', status: 'error', durationMs: 1, detail: 'no engine' }])]));
    expect(text.split('\n').at(-1)).toBe('drill found 2 problem(s) and could not run 1 scenario(s)');
  });
});

describe('schema comparison by name', () => {
  const table = (oid: number, relfilenode: number, columns: Record<string, number>): SchemaSnapshot['relations'][string] => ({
    oid,
    kind: 'table',
    persistence: 'p',
    relfilenode,
    rowSecurity: false,
    forceRowSecurity: false,
    acl: [],
    columns: Object.fromEntries(Object.entries(columns).map(([name, position]) => [name, { position, type: 'text', typmod: -1, notNull: false, default: null, identity: null, generated: null, collation: null, acl: [] }])),
    constraints: {},
    indexes: { t_idx: { definition: 'CREATE INDEX t_idx ON public.t USING btree (a)', valid: true, ready: true, unique: false, primary: false, relfilenode: relfilenode + 1 } },
    triggers: {},
    definition: null,
  });
  const snapshot = (relations: SchemaSnapshot['relations']): SchemaSnapshot => ({ serverVersion: 15, schemas: { public: { acl: [] } }, relations, enums: {}, domains: {}, functions: {}, extensions: {} });

  it('ignores new oids, relfilenodes and attnums (a table recreated, a column re-added) but not a column left behind', () => {
    const ids = new LogicalIds();
    const before = snapshot({ 'public.t': table(100, 200, { a: 1, b: 2 }) });
    const recreated = snapshot({ 'public.t': table(300, 400, { a: 1, b: 3 }) });
    expect(diffLogical(before, recreated, ids).identical).toBe(true);
    const leftOver = snapshot({ 'public.t': table(300, 400, { a: 1, b: 3, c: 4 }) });
    expect(diffLogical(before, leftOver, ids).changes).toMatchObject([{ kind: 'column', object: 'public.t.c', change: 'added' }]);
  });

  it('shows a table swapped for another as a removal and an addition, not a rename', () => {
    const ids = new LogicalIds();
    const diff = diffLogical(snapshot({ 'public.t': table(1, 1, { a: 1 }) }), snapshot({ 'public.u': table(1, 1, { a: 1 }) }), ids);
    expect(diff.changes.map((c) => `${c.object} ${c.change}`)).toEqual(['public.t removed', 'public.u added']);
  });
});

describe('server settings for a container', () => {
  it('become -c key=value arguments, with postgresql.conf quotes removed, and reject names that are not settings', () => {
    expect(settingsArgs({ archive_mode: 'on', archive_command: "'cp %p /wal/%f'", max_wal_senders: 3 })).toEqual(['-c', 'archive_mode=on', '-c', 'archive_command=cp %p /wal/%f', '-c', 'max_wal_senders=3']);
    expect(() => settingsArgs({ 'x; rm -rf /': 'on' })).toThrow(/not a PostgreSQL setting name/);
  });
});
