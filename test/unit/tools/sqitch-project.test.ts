import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject, parseConfig, parsePlan } from '../../../src/tools/sqitch/project.js';
import { targetUri } from '../../../src/tools/sqitch/program.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';
import { afterAll } from 'vitest';

afterAll(removeTempDirs);

const PLAN = `%syntax-version=1.0.0
%project=shop

users 2024-01-01T00:00:00Z Ann <ann@x> # users
widgets [users] 2024-01-02T00:00:00Z Ann <ann@x> # widgets
@v1.0 2024-01-03T00:00:00Z Ann <ann@x> # release

users [users@v1.0] 2024-01-04T00:00:00Z Ann <ann@x> # reworked
`;

describe('Sqitch plan and config, as Sqitch 1.3 reads them', () => {
  it('reads the project, changes, their requirements and tags', () => {
    const { project, entries } = parsePlan(PLAN, 'sqitch.plan');
    expect(project).toBe('shop');
    expect(entries.map((e) => [e.change, e.requires, e.tags])).toEqual([
      ['users', [], []],
      ['widgets', ['users'], ['@v1.0']],
      ['users', ['users@v1.0'], []],
    ]);
  });

  it('names a reworked change\'s earlier instance name@tag, with its name@tag scripts', async () => {
    const dir = await dirWith({ 'sqitch.plan': PLAN, 'sqitch.conf': '[core]\n\tengine = pg\n[engine "pg"]\n\tregistry = reg\n' });
    const project = await loadProject(dir);
    expect(project.registry).toBe('reg');
    expect(project.changes.map((c) => c.name)).toEqual(['users@v1.0', 'widgets', 'users']);
    expect(project.changes[0]!.revert).toMatch(/revert\/users@v1\.0\.sql$/);
    expect(project.changes[2]!.deploy).toMatch(/deploy\/users\.sql$/);
  });

  it('with several tags between a change and its rework, picks them as Sqitch does: the newest tag whose scripts exist, else the newest', async () => {
    // Sqitch's own tutorial: insert_user before @dev1 (not the change it marks), reworked after @dev2 — its scripts
    // are insert_user@dev2.sql (the plan's rework line requires insert_user@dev2).
    const plan = `%project=flipr
users 2024-01-01T00:00:00Z Ann <ann@x> # users
insert_user [users] 2024-01-01T00:00:00Z Ann <ann@x> # first
widgets [users] 2024-01-01T00:00:00Z Ann <ann@x> # widgets
@dev1 2024-01-02T00:00:00Z Ann <ann@x> # t1
flips [users] 2024-01-02T00:00:00Z Ann <ann@x> # flips
@dev2 2024-01-03T00:00:00Z Ann <ann@x> # t2
insert_user [insert_user@dev2] 2024-01-04T00:00:00Z Ann <ann@x> # reworked
`;
    const named = (project: Awaited<ReturnType<typeof loadProject>>) => project.changes.map((c) => [c.name, path.basename(c.deploy), path.basename(c.revert)]);
    // No script there yet: the newest tag (what `sqitch rework` writes after @dev2).
    expect(named(await loadProject(await dirWith({ 'sqitch.plan': plan })))[1]).toEqual(['insert_user@dev2', 'insert_user@dev2.sql', 'insert_user@dev2.sql']);
    // The scripts under the older tag: that one, as Sqitch finds them; the name stays a reference Sqitch's --to takes.
    expect(named(await loadProject(await dirWith({ 'sqitch.plan': plan, 'deploy/insert_user@dev1.sql': 'SELECT 1;' })))[1]).toEqual(['insert_user@dev2', 'insert_user@dev1.sql', 'insert_user@dev1.sql']);
    // A change carrying a tag itself is named by it.
    const own = plan.replace('# first\n', '# first\n@dev0 2024-01-01T00:00:00Z Ann <ann@x> # t0\n');
    expect(named(await loadProject(await dirWith({ 'sqitch.plan': own, 'deploy/insert_user@dev2.sql': 'SELECT 1;' })))[1]).toEqual(['insert_user@dev0', 'insert_user@dev2.sql', 'insert_user@dev2.sql']);
  });

  it('refuses a project of another engine and a plan line it cannot read', async () => {
    await expect(loadProject(await dirWith({ 'sqitch.plan': PLAN, 'sqitch.conf': '[core]\n engine = mysql\n' }))).rejects.toThrow(/mysql engine/);
    expect(() => parsePlan('%project=x\nnot a change line\n', 'p')).toThrow(/not a line/);
    expect(() => parsePlan('a 2024-01-01T00:00:00Z A <a@x>\n', 'p')).toThrow(/%project/);
  });

  it('reads git-config syntax: sections, subsections, comments', () => {
    const config = parseConfig('# c\n[core]\n\ttop_dir = db ; trailing\n[engine "pg"]\n\tregistry = "r"\n');
    expect(config.get('core.top_dir')).toBe('db');
    expect(config.get('engine.pg.registry')).toBe('r');
  });

  it('builds the target URI without the password', () => {
    expect(targetUri({ host: '/var/run/postgresql', port: 5432, user: 'app user', password: 'pw', database: 'shop', sslmode: 'require', applicationName: 'x' })).toBe(
      'db:pg://app%20user@%2Fvar%2Frun%2Fpostgresql:5432/shop?sslmode=require',
    );
  });
});
