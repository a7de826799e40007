/**
 * A down that only selects constants does nothing — goose's template
 * `SELECT 'down SQL query';`, a `SELECT 1;` left to satisfy a tool that
 * wants a non-empty file. It is `empty`, as a comment-only down is: undo
 * refuses it before touching anything, instead of running it, deleting the
 * history row and leaving the up's change behind (verify then failing after
 * the fact). A down that reads or calls anything stays `yes`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { classifyFiles } from '../../../src/classify/classify-files.js';
import { loadGolangMigrateDir } from '../../../src/tools/golang-migrate/files.js';
import { downKindOf } from '../../../src/tools/sql/files.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

afterEach(removeTempDirs);

describe('a placeholder down', () => {
  it.each([
    ["SELECT 'down SQL query';", 'empty'],
    ['-- nothing to undo\nSELECT 1;\n', 'empty'],
    ["SELECT 1; select 'a' AS b, NULL, true;", 'empty'],
    ["SELECT pg_advisory_unlock_all();", 'yes'],
    ['SELECT setval(\'t_id_seq\', 1);', 'yes'],
    ['SELECT 1 FROM t;', 'yes'],
    ["SELECT 'a;b';", 'yes'],
    ['DROP TABLE t;', 'yes'],
  ])('%j is %s', (text, kind) => {
    expect(downKindOf(text)).toBe(kind);
  });

  it('golang-migrate and dbmate read it as empty', async () => {
    const golang = await dirWith({ '1_a.up.sql': 'ALTER TABLE t ADD COLUMN note text;', '1_a.down.sql': "SELECT 'down SQL query';" });
    expect((await loadGolangMigrateDir(golang)).map((f) => f.down)).toEqual(['empty']);
    const dbmate = await dirWith({ '20250102000000_note.sql': "-- migrate:up\nALTER TABLE t ADD COLUMN note text;\n\n-- migrate:down\nSELECT 'down SQL query';\n" });
    const [file] = (await classifyFiles([dbmate])).files;
    expect(file!.down?.kind).toBe('empty');
    expect(file!.reversible).toBe(false);
  });
});
