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
