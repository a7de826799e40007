/**
 * Parsing ahead on a worker thread (src/sql/parse-ahead.ts) gives the trees
 * this thread's parser gives, or nothing (the caller parses then): a text that
 * is not the file's whole text, a file the parser rejects, a file asked twice.
 * And a classify of a long history is the same with it and without it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { classifyFiles } from '../../../src/classify/classify-files.js';
import { earlyParseWorker } from '../../../src/cli/early-parse.js';
import { adoptParseWorker, discardParseWorker, PARSE_AHEAD_MIN_FILES, parseAhead } from '../../../src/sql/parse-ahead.js';
import { spawnParseWorker } from '../../../src/sql/parse-worker.js';
import { initParser, parseTree } from '../../../src/sql/parser.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

beforeAll(() => initParser());
afterEach(removeTempDirs);

describe('parse ahead', () => {
  it('hands back the parser\'s own tree for a whole file it parsed, and nothing for another text, a rejected file or a second ask', async () => {
    const dir = await dirWith({
      'a.sql': 'CREATE TABLE t (id bigint PRIMARY KEY, name text);\nALTER TABLE t ADD COLUMN é text;\n',
      'b.sql': 'ALTER TABLE t DROP COLUMN name;\n',
      'bad.sql': 'ALTER TABLE t ADD COLUMN;\n',
    });
    const files = ['a.sql', 'b.sql', 'bad.sql'].map((n) => path.join(dir, n));
    const ahead = parseAhead(files);
    try {
      // Once the worker has been through every file, the answers come from it.
      await ahead.ended;
      const a = await readFile(files[0]!, 'utf8');
      expect(ahead.take(files[0]!, a)).toEqual(parseTree(a));
      expect(ahead.take(files[0]!, a)).toBeUndefined();
      expect(ahead.take(files[1]!, 'ALTER TABLE t DROP COLUMN other')).toBeUndefined();
      expect(ahead.take(files[2]!, await readFile(files[2]!, 'utf8'))).toBeUndefined();
      expect(ahead.take(path.join(dir, 'unknown.sql'), 'SELECT 1')).toBeUndefined();
    } finally {
      ahead.close();
    }
  });

  it('a long history classifies the same with the worker and without it (downs, history types, a rejected file, non-ASCII text)', async () => {
    const files: Record<string, string> = {};
    const count = PARSE_AHEAD_MIN_FILES + 16;
    for (let i = 0; i < count; i++) {
      const n = String(i).padStart(3, '0');
      const up =
        i === 0
          ? 'CREATE TABLE p (id bigint PRIMARY KEY, price numeric(12,2), note text);\n'
          : i === 40
            ? 'ALTER TABLE p ADD COLUMN;\n'
            : i % 3 === 0
              ? `ALTER TABLE p ALTER COLUMN price TYPE numeric(12,${i % 4});\n-- dbrollback-ignore update-rows\nUPDATE p SET note = 'ä ${i}';\n`
              : `ALTER TABLE p ADD COLUMN c${i} text;\nCREATE INDEX i${i} ON p (c${i});\n`;
      files[`${n}_m.up.sql`] = up;
      if (i % 2 === 0) files[`${n}_m.down.sql`] = i % 3 === 0 ? '-- dbrollback:irreversible\n' : `ALTER TABLE p DROP COLUMN c${i};\n`;
    }
    const dir = await dirWith(files);
    const withWorker = await classifyFiles([dir]);
    const without = await classifyFiles([dir], { parseAhead: false });
    expect(withWorker.files.length).toBe(count - 1);
    expect(withWorker.errors.map((e) => [path.basename(e.path), e.code, e.line])).toEqual([['040_m.up.sql', 'SQL_SYNTAX', 1]]);
    expect(JSON.stringify(withWorker)).toBe(JSON.stringify(without));
  });
});

describe('a parse worker started early (the bin, for classify of a long history)', () => {
  it('is taken by the next parse ahead, which then parses with it', async () => {
    const dir = await dirWith({ 'a.sql': 'CREATE TABLE t (id bigint PRIMARY KEY);\n', 'b.sql': 'ALTER TABLE t ADD COLUMN c text;\n' });
    const files = ['a.sql', 'b.sql'].map((n) => path.join(dir, n));
    const spawned = spawnParseWorker();
    expect(spawned).toBeDefined();
    adoptParseWorker(spawned);
    const ahead = parseAhead(files);
    try {
      await ahead.ended;
      const b = await readFile(files[1]!, 'utf8');
      expect(ahead.take(files[1]!, b)).toEqual(parseTree(b));
    } finally {
      ahead.close();
    }
    // Taken: discarding afterwards stops nothing, and the next parse ahead starts its own worker.
    discardParseWorker();
    const again = parseAhead(files);
    await again.ended;
    expect(again.take(files[0]!, await readFile(files[0]!, 'utf8'))).toEqual(parseTree(await readFile(files[0]!, 'utf8')));
    again.close();
  });

  it('one nothing takes is stopped when discarded', async () => {
    const spawned = spawnParseWorker()!;
    adoptParseWorker(spawned);
    discardParseWorker();
    await spawned.ended;
  });

  it('the bin starts one only for classify of a folder listing as many .sql files as classify parses ahead', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < PARSE_AHEAD_MIN_FILES; i++) many[`${String(i).padStart(3, '0')}_m.sql`] = 'SELECT 1;\n';
    const big = await dirWith(many);
    const small = await dirWith({ '001_m.sql': 'SELECT 1;\n' });
    expect(earlyParseWorker(['plan', big])).toBeUndefined();
    expect(earlyParseWorker(['classify', small, '--json'])).toBeUndefined();
    expect(earlyParseWorker(['classify', '--json', path.join(big, 'missing')])).toBeUndefined();
    const started = earlyParseWorker(['classify', '--json', big]);
    expect(started).toBeDefined();
    adoptParseWorker(started);
    discardParseWorker();
    await started!.ended;
  });
});
