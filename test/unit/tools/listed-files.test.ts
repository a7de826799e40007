/** The readers' file probe: a listed folder answers from its listing, any other path from the file system, once. */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';
import { ListedFiles } from '../../../src/tools/listed-files.js';

afterEach(removeTempDirs);

describe('ListedFiles', () => {
  it('answers for a listed folder from its listing: a file made after the listing is not there, one removed after it still is', async () => {
    const dir = await dirWith({ '1_a.up.sql': 'SELECT 1;', '1_a.down.sql': 'SELECT 1;' }, 'dbrollback-listed-');
    const files = new ListedFiles();
    files.addListing(dir, new Set(['1_a.up.sql', '1_a.down.sql']));
    await writeFile(path.join(dir, '2_b.down.sql'), 'SELECT 1;');
    await rm(path.join(dir, '1_a.down.sql'));
    expect(files.exists(path.join(dir, '1_a.down.sql'))).toBe(true);
    expect(files.exists(path.join(dir, '2_b.down.sql'))).toBe(false);
  });

  it('asks the file system about a name the listing holds only in another case (one file on a case-insensitive file system)', async () => {
    const dir = await dirWith({ '1_a.UP.SQL': 'SELECT 1;', '1_a.DOWN.SQL': 'SELECT 1;' }, 'dbrollback-listed-');
    const files = new ListedFiles();
    files.addListing(dir, new Set(['1_a.UP.SQL', '1_a.DOWN.SQL']));
    expect(files.exists(path.join(dir, '1_a.DOWN.SQL'))).toBe(true);
    // Whatever this file system says about the other case, the probe says the same.
    expect(files.exists(path.join(dir, '1_a.down.sql'))).toBe(existsSync(path.join(dir, '1_a.down.sql')));
  });

  it('asks the file system about a path outside the listed folders, once per path', async () => {
    const dir = await dirWith({ '0000_init.sql': 'SELECT 1;' }, 'dbrollback-listed-');
    const journal = path.join(dir, 'meta', '_journal.json');
    const files = new ListedFiles();
    files.addListing(dir, new Set(['0000_init.sql', 'meta']));
    expect(files.exists(journal)).toBe(false);
    await mkdir(path.dirname(journal));
    await writeFile(journal, '{}');
    // The first answer holds for the run.
    expect(files.exists(journal)).toBe(false);
    expect(new ListedFiles().exists(journal)).toBe(true);
  });
});
