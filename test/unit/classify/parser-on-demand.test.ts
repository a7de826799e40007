/**
 * classify loads the SQL parser on its own thread only when a file needs it:
 * a long history's files are parsed on another thread (src/sql/parse-ahead.ts).
 * A step that needs the parser and finds it missing is run again once it is
 * loaded, so the answers are the same either way — also where a tool's reader
 * parses a file as it reads it (Prisma counts a migration's statements).
 *
 * No initParser() here before the first classify: the module state of this
 * file starts without a parser.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { classifyFiles } from '../../../src/classify/classify-files.js';
import { PARSE_AHEAD_MIN_FILES } from '../../../src/sql/parse-ahead.js';
import { parserReady } from '../../../src/sql/parser.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

afterEach(removeTempDirs);

describe('the parser, loaded on demand', () => {
  it('a long history parsed on the other thread is classified without loading the parser here, and the same as with it', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < PARSE_AHEAD_MIN_FILES + 6; i++) {
      files[`${String(i).padStart(3, '0')}_m.up.sql`] = i === 0 ? 'CREATE TABLE p (id bigint PRIMARY KEY, price numeric(12,2));\n' : `ALTER TABLE p ALTER COLUMN price TYPE numeric(12,${i % 4});\nALTER TABLE p ADD COLUMN c${i} text;\n`;
    }
    const dir = await dirWith(files);
    expect(parserReady()).toBe(false);
    const ahead = await classifyFiles([dir]);
    expect(parserReady()).toBe(false);
    const here = await classifyFiles([dir], { parseAhead: false });
    expect(parserReady()).toBe(true);
    expect(ahead.files).toHaveLength(PARSE_AHEAD_MIN_FILES + 6);
    expect(JSON.stringify(ahead)).toBe(JSON.stringify(here));
  });
});
