import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DbrollbackError } from '../../../src/errors.js';
import { compareVersions, findBinary, parseToolVersion } from '../../../src/pgtools/binaries.js';

describe('PostgreSQL program discovery', () => {
  it('parses the version line of PostgreSQL programs', () => {
    expect(parseToolVersion('pg_dump (PostgreSQL) 15.19 (Debian 15.19-0+deb12u1)')).toEqual({ version: '15.19', major: 15 });
    expect(parseToolVersion('pg_restore (PostgreSQL) 17.0')).toEqual({ version: '17.0', major: 17 });
    expect(parseToolVersion('something else')).toBeUndefined();
    expect(compareVersions('15.19', '15.9')).toBeGreaterThan(0);
  });

  it('finds the installed pg_dump and reports its version', async () => {
    const bin = await findBinary('pg_dump');
    expect(bin.major).toBeGreaterThanOrEqual(12);
    expect(path.basename(bin.path)).toBe('pg_dump');
  });

  it('says clearly when pg_dump is missing', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-bin-'));
    const err = await findBinary('pg_dump', { binDir: empty }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbrollbackError);
    expect((err as DbrollbackError).code).toBe('TOOL_NOT_FOUND');
    expect((err as DbrollbackError).message).toContain(`pg_dump was not found in ${empty}`);
  });

  it('refuses a pg_dump older than the server, naming the binary and both versions', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-bin-'));
    const fake = path.join(dir, 'pg_dump');
    // A stand-in for an old client install: only its --version output matters here.
    await writeFile(fake, '#!/bin/sh\necho "pg_dump (PostgreSQL) 13.4"\n');
    await chmod(fake, 0o755);
    const err = (await findBinary('pg_dump', { binDir: dir, minMajor: 15 }).catch((e: unknown) => e)) as DbrollbackError;
    expect(err.code).toBe('TOOL_TOO_OLD');
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('pg_dump 13.4');
    expect(err.message).toContain(fake);
    expect(err.message).toContain('PostgreSQL 15');
  });
});
