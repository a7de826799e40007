/**
 * A drill report as JUnit XML, so CI systems show drills like tests: one
 * test suite per scenario, one test case per step (fail → <failure>,
 * error → <error>, skipped and not-run → <skipped>), times in seconds.
 */
import type { DrillReport } from './drill.js';

export function drillJunit(report: DrillReport): string {
  const count = (status: string) => report.scenarios.reduce((n, s) => n + s.steps.filter((t) => t.status === status).length, 0);
  const tests = report.scenarios.reduce((n, s) => n + s.steps.length, 0);
  const skipped = count('skip') + count('not-run');
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="dbrollback drill" tests="${tests}" failures="${count('fail')}" errors="${count('error')}" skipped="${skipped}" time="${secs(report.totalMs)}">`,
  ];
  for (const s of report.scenarios) {
    const n = (status: string) => s.steps.filter((t) => t.status === status).length;
    out.push(
      `  <testsuite name="drill ${attr(s.name)}" tests="${s.steps.length}" failures="${n('fail')}" errors="${n('error')}" skipped="${n('skip') + n('not-run')}" time="${secs(s.durationMs)}">`,
      `    <properties><property name="provider" value="${attr(report.provider)}"/><property name="status" value="${s.status}"/><property name="detail" value="${attr(s.detail)}"/></properties>`,
    );
    for (const step of s.steps) {
      const open = `    <testcase classname="drill.${attr(s.name)}" name="${attr(step.name)}" time="${secs(step.durationMs)}"`;
      if (step.status === 'pass') out.push(`${open}/>`);
      else if (step.status === 'fail') out.push(`${open}><failure message="${attr(firstLine(step.detail))}">${text(step.detail)}</failure></testcase>`);
      else if (step.status === 'error') out.push(`${open}><error message="${attr(firstLine(step.detail))}">${text(step.detail)}</error></testcase>`);
      else out.push(`${open}><skipped message="${attr(step.status === 'not-run' ? 'not run: an earlier step stopped the scenario' : step.detail)}"/></testcase>`);
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}

function secs(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? '';
}

// XML 1.0 allows no control characters other than tab, newline and carriage return.
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '?');
}

function text(s: string): string {
  return clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}
