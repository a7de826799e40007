/**
 * A tool that sends a file as one query (Prisma, golang-migrate: a file of
 * several statements runs in one implicit transaction) has the statements
 * counted where they are parsed — on the other thread for a long history —
 * so its reader no longer loads the parser here, and the answer is the one
 * given with the parser loaded beforehand.
 *
 * No initParser() here before the first classify: the module state of this
 * file starts without a parser.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyFiles } from '../../../src/classify/classify-files.js';
import { PARSE_AHEAD_MIN_FILES } from '../../../src/sql/parse-ahead.js';
import { parserReady } from '../../../src/sql/parser.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

afterEach(removeTempDirs);

describe('a reader whose transaction depends on the statement count', () => {
  it('a long Prisma history is classified without loading the parser here, as with the parser loaded beforehand', async () => {
    const dir = await dirWith({ 'migration_lock.toml': 'provider = "postgresql"\n' });
    const count = PARSE_AHEAD_MIN_FILES + 4;
    for (let i = 0; i < count; i++) {
      const folder = path.join(dir, `2024${String(i).padStart(10, '0')}_m${i}`);
      await mkdir(folder);
      // One statement runs outside a transaction; two run in one implicit transaction, where CONCURRENTLY fails.
      await writeFile(path.join(folder, 'migration.sql'), i % 2 === 0 ? `CREATE INDEX CONCURRENTLY i${i} ON t (c);\n` : `CREATE INDEX CONCURRENTLY i${i} ON t (c);\nALTER TABLE t ADD COLUMN c${i} text;\n`);
    }
    expect(parserReady()).toBe(false);
    const ahead = await classifyFiles([dir]);
    expect(parserReady()).toBe(false);
    const here = await classifyFiles([dir], { parseAhead: false });
    expect(ahead.files).toHaveLength(count);
    expect(ahead.files.map((f) => f.statements[0]!.findings.map((x) => x.rule).includes('concurrently-in-transaction'))).toEqual(Array.from({ length: count }, (_, i) => i % 2 === 1));
    expect(JSON.stringify(ahead)).toBe(JSON.stringify(here));
  });
});
