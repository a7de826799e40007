import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classpathOf, loadProject } from '../../../src/tools/liquibase/changelog-dir.js';
import { springChangelog } from '../../../src/tools/liquibase/spring-changelog.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

afterAll(removeTempDirs);

const project = async (files: Record<string, string>) => {
  const dir = await dirWith({});
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
};
const MASTER = 'databaseChangeLog:\n  - includeAll:\n      path: db/changelog/changes/\n';

describe('a Liquibase changelog in a Spring Boot project (src/main/resources)', () => {
  it('is run from the classpath root, as Spring Boot runs it: includes by classpath path resolve, FILENAME is db/changelog/… (was: the changelog folder as search path, so includeAll of db/changelog/changes/ found nothing)', async () => {
    const root = await project({ 'src/main/resources/db/changelog/db.changelog-master.yaml': MASTER });
    const dir = path.join(root, 'src', 'main', 'resources', 'db', 'changelog');
    expect(await loadProject(dir)).toMatchObject({ mode: 'liquibase', dir: path.join(root, 'src', 'main', 'resources'), changelog: 'db/changelog/db.changelog-master.yaml' });
    expect(classpathOf(path.join(root, 'src', 'test', 'resources'), 'changelog.xml')).toEqual({ dir: path.join(root, 'src', 'test', 'resources'), changelog: 'changelog.xml' });
    // Outside a resources folder, the changelog's own folder stays the search path.
    expect(classpathOf(path.join(root, 'db'), 'db.changelog-master.xml')).toEqual({ dir: path.join(root, 'db'), changelog: 'db.changelog-master.xml' });
  });

  it('status at the project root is told the folder: spring.liquibase.change-log from application.yml or .properties, else Spring Boot\'s default', async () => {
    const yml = await project({
      'src/main/resources/application.yml': 'spring:\n  application:\n    name: shop\n---\nspring:\n  liquibase:\n    change-log: classpath:db/changelog/master.xml\n',
      'src/main/resources/db/changelog/master.xml': '<databaseChangeLog/>',
    });
    expect(springChangelog(yml)).toEqual({ file: path.join('src', 'main', 'resources', 'db', 'changelog', 'master.xml'), from: `spring.liquibase.change-log in ${path.join('src', 'main', 'resources', 'application.yml')}` });
    const properties = await project({
      'src/main/resources/application.properties': 'server.port=8081\nspring.liquibase.change-log=classpath:/liquibase/root.yaml\n',
      'src/main/resources/liquibase/root.yaml': MASTER,
    });
    expect(springChangelog(properties)?.file).toBe(path.join('src', 'main', 'resources', 'liquibase', 'root.yaml'));
    const byDefault = await project({ 'src/main/resources/db/changelog/db.changelog-master.yaml': MASTER });
    expect(springChangelog(byDefault)).toEqual({ file: path.join('src', 'main', 'resources', 'db', 'changelog', 'db.changelog-master.yaml'), from: "Spring Boot's default spring.liquibase.change-log" });
    // Named but not on disk (a file: location, or a typo): nothing to name.
    expect(springChangelog(await project({ 'src/main/resources/application.properties': 'spring.liquibase.change-log=file:/etc/app/changelog.xml\n' }))).toBeNull();
    expect(springChangelog(await project({ 'README.md': '' }))).toBeNull();
  });
});
