/**
 * A --json document's suggested commands carry the global flags the run was
 * given, as people's text does (given-flags.ts): a script or chat bot that
 * shows a plan's steps or a refusal's hint to the person on call hands them a
 * command for the same database and storage. The user's own text (SQL, paths)
 * and recorded commands stay as they are.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createIo, printError, printResult, toJson, type Streams } from '../../../src/cli/output.js';
import { withGivenFlags } from '../../../src/cli/given-flags.js';
import { DbrollbackError } from '../../../src/errors.js';

const COMMANDS = ['status', 'plan', 'undo', 'restore', 'backups', 'verify', 'migrate'];
const FLAGS = ['--config prod.json'];

function streams(): Streams & { out: () => string } {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  return { stdout, stderr: new PassThrough(), stdin: new PassThrough(), out: () => Buffer.concat(chunks).toString('utf8') };
}

function io(s: Streams, flags: string[] = FLAGS) {
  return createIo({ json: true, verbose: false, ...(flags.length > 0 ? { suggest: (text: string) => withGivenFlags(text, flags, COMMANDS) } : {}) }, s);
}

const PLAN = {
  type: 'restore',
  migrations: [{ name: '0004_drop_legacy', atRisk: { rows: 12n, objects: ['column:public.customers.legacy'] } }],
  steps: [{ action: 'restore', detail: 'Restore: dbrollback restore --backup 20261207T0400Z (then dbrollback migrate --to 0003_x).' }],
  routes: [{ command: 'dbrollback restore --before-migration 0004_drop_legacy --data-dir DIR' }],
  files: [{ path: '/srv/dbrollback undo/0004.sql', statements: [{ sql: '-- see dbrollback undo --count 1\nDROP TABLE t;' }] }],
  sql: 'SELECT 1 -- dbrollback plan',
  at: new Date(0),
  ['__proto__']: [{ detail: 'dbrollback verify' }],
} as Record<string, unknown>;

describe('--json documents and the flags the run was given', () => {
  it('repeat the flags in every suggested command, and leave SQL, paths, numbers and dates as they are', () => {
    const s = streams();
    printResult({ json: PLAN, human: '' }, io(s), s);
    const doc = JSON.parse(s.out()) as typeof PLAN & { steps: Array<{ detail: string }>; routes: Array<{ command: string }> };
    expect(doc.steps[0]!.detail).toBe('Restore: dbrollback --config prod.json restore --backup 20261207T0400Z (then dbrollback --config prod.json migrate --to 0003_x).');
    expect(doc.routes[0]!.command).toBe('dbrollback --config prod.json restore --before-migration 0004_drop_legacy --data-dir DIR');
    expect(JSON.parse(s.out())).toMatchObject({ files: PLAN.files, sql: PLAN.sql, at: '1970-01-01T00:00:00.000Z', migrations: [{ atRisk: { rows: '12' } }] });
    expect(Object.getOwnPropertyDescriptor(doc, '__proto__')?.value).toEqual([{ detail: 'dbrollback --config prod.json verify' }]);
  });

  it('write the document as it is without such flags, and for recorded commands', () => {
    const plain = streams();
    printResult({ json: PLAN, human: '' }, io(plain, []), plain);
    expect(plain.out()).toBe(`${toJson(PLAN)}\n`);
    const recorded = streams();
    printResult({ json: PLAN, human: '', asRecorded: true }, io(recorded), recorded);
    expect(recorded.out()).toBe(`${toJson(PLAN)}\n`);
  });

  it("repeat them in a failure's message and hint", () => {
    const s = streams();
    const err = new DbrollbackError('REFUSED', 'undo would drop data; see dbrollback plan --count 1', { hint: 'Restore instead: dbrollback restore --backup B1. Nothing was changed.' });
    printError(err, io(s), s);
    const { error } = JSON.parse(s.out()) as { error: { code: string; message: string; hint: string } };
    expect(error).toMatchObject({
      code: 'REFUSED',
      message: 'undo would drop data; see dbrollback --config prod.json plan --count 1',
      hint: 'Restore instead: dbrollback --config prod.json restore --backup B1. Nothing was changed.',
    });
  });
});
