/** DBROLLBACK_PAUSE_AT is a testing hook: said out loud when set, refused outside the test suite where a pause would hold locks. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../../harness/source-files.js';
import { checkPauseHook, PAUSE_POINTS } from '../../../src/audit/fault-point.js';


describe('DBROLLBACK_PAUSE_AT', () => {
  it('every pause point in src/ is in the table (which says what each one holds while it waits)', async () => {
    const names = new Set<string>();
    for (const file of await sourceFiles(path.resolve('src'))) {
      for (const m of (await readFile(file, 'utf8')).matchAll(/faultPoint\('([^']+)'/gi)) names.add(m[1]!);
    }
    expect(names.size).toBeGreaterThan(10);
    expect([...names].sort()).toEqual(Object.keys(PAUSE_POINTS).sort());
  });

  it('unset: nothing; set: a warning line that the run will pause', () => {
    expect(checkPauseHook({})).toBeNull();
    expect(checkPauseHook({ DBROLLBACK_PAUSE_AT: 'migrate:after-up' })).toBe('dbrollback: DBROLLBACK_PAUSE_AT=migrate:after-up is set (a testing hook): this run will pause at migrate:after-up');
    expect(checkPauseHook({ DBROLLBACK_PAUSE_AT: 'nowhere' })).toMatch(/will not pause \(no point is named nowhere\)/);
  });

  it('a point that holds locks while it waits is refused outside the test suite (exit 2), and allowed under it', () => {
    for (const name of Object.keys(PAUSE_POINTS).filter((n) => PAUSE_POINTS[n]!.holds)) {
      expect(() => checkPauseHook({ DBROLLBACK_PAUSE_AT: name })).toThrow(expect.objectContaining({ code: 'USAGE', exitCode: 2 }));
      expect(checkPauseHook({ DBROLLBACK_PAUSE_AT: name, VITEST: 'true' })).toContain(`pause at ${name}`);
    }
    expect(Object.keys(PAUSE_POINTS).filter((n) => PAUSE_POINTS[n]!.holds).sort()).toEqual(['backup:dump', 'undo:in-down-transaction']);
  });
});
